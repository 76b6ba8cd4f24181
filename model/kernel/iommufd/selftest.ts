import { ioasOf } from '../../platform/edit.ts';
import type { State } from '../../platform/state.ts';
import { fail, type Res } from '../errno.ts';
import { ULONG_MAX } from '../interval.ts';
import { iommu_probe_device } from '../iommu/core.ts';
import { unwound } from '../vfio/type1.ts';
import { iommufd_device_attach, iommufd_device_bind } from './device.ts';
import { iopt_reserve_iova } from './io-pagetable.ts';

/**
 * The iommufd selftest ops (drivers/iommu/iommufd/selftest.c, CONFIG_IOMMUFD_TEST).
 */

/**
 * IOMMU_TEST_OP_ADD_RESERVED (iommufd_test_add_reserved): length 0 is -EINVAL, an overflowing range
 * -EOVERFLOW, else iopt_reserve_iova with no owner (-EADDRINUSE over an area or allowed range).
 */
export const iommufd_test_add_reserved = (s: State, ioas: number, start: bigint, length: bigint): Res => {
  if (length === 0n) return fail(s, 'EINVAL');
  if (start + length - 1n > ULONG_MAX) return fail(s, 'EOVERFLOW');
  ioasOf(s, ioas);
  return iopt_reserve_iova(s, ioas, start, start + length - 1n, null);
};

/**
 * IOMMU_TEST_OP_MOCK_DOMAIN (iommufd_test_mock_domain): mock_dev_create adds the mock device
 * (iommu_mock_device_add probes it; mock_ops' default domain is its blocking domain), binds it to
 * the IOAS's context and attaches it to the IOAS; a failure unbinds and removes the device again.
 */
export const iommufd_test_mock_domain = (s0: State, ioas: number, device: number): Res<number> => {
  const probed = iommu_probe_device(s0, device);
  if (!probed.ok) return fail(probed.state, probed.errno);
  const bound = iommufd_device_bind(probed.state, device, ioasOf(s0, ioas).ictx);
  if (!bound.ok) return fail(unwound(s0, bound.state), bound.errno);
  const attached = iommufd_device_attach(bound.state, device, { ioas });
  if (!attached.ok) return fail(unwound(s0, attached.state), attached.errno);
  return attached;
};
