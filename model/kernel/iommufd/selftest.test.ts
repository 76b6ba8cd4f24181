import { describe, expect, it } from 'vitest';
import { boot, type DeviceInit } from '../../platform/build.ts';
import { deviceOf, ioasOf } from '../../platform/edit.ts';
import type { State } from '../../platform/state.ts';
import { armIts, mockDev, topo } from '../testing.ts';
import { iommufd_ioas_alloc } from './ctx.ts';
import { iommufd_ioas_map } from './ioas.ts';
import { iommufd_test_mock_domain } from './selftest.ts';

/**
 * IOMMU_TEST_OP_MOCK_DOMAIN (drivers/iommu/iommufd/selftest.c iommufd_test_mock_domain →
 * mock_dev_create, iommufd_device_bind, iommufd_device_attach): on failure the mock device is
 * unbound and destroyed again, so the system is as before.
 */
const ICTX = 'selftest';
const system = (d: Partial<DeviceInit> = {}): [State, number] =>
  iommufd_ioas_alloc(boot(armIts(), topo([{}]), [mockDev(d)], ['blocked']), ICTX);

describe('iommufd_test_mock_domain', () => {
  it('success: the mock device is probed, bound to the IOAS context (no isolated-MSI check for mocks) and attached to an auto hwpt of the IOAS', () => {
    const [s, ioas] = system();
    const r = iommufd_test_mock_domain(s, ioas, 0);
    if (!r.ok) throw new Error(r.errno);
    expect(deviceOf(r.state, 0)).toMatchObject({ probed: true, iommufd: ICTX });
    expect(ioasOf(r.state, ioas).hwpts).toEqual([r.value]);
  });

  it('a mock device without cache coherency fails the bind with -EINVAL and leaves nothing behind', () => {
    const [s, ioas] = system({ cacheCoherent: false });
    const r = iommufd_test_mock_domain(s, ioas, 0);
    expect(r).toEqual({ ok: false, state: s, errno: 'EINVAL' });
  });

  it('a reserved region of the mock device over an IOAS area fails the attach with -EADDRINUSE and leaves nothing behind', () => {
    const [s0, ioas] = system({ resv: [{ type: 'RESERVED', start: 0x100_0000n, length: 0x1000n }] });
    const s = iommufd_ioas_map(s0, ioas, 0x100_0000n, 0x1000n).state;
    const r = iommufd_test_mock_domain(s, ioas, 0);
    expect(r).toEqual({ ok: false, state: s, errno: 'EADDRINUSE' });
  });

  it('a bind refused by iommu_device_claim_dma_owner (the group is owned by another context: -EPERM) returns that errno and leaves nothing behind (iommufd_test_mock_domain: iommufd_device_bind error)', () => {
    const s0 = boot(
      armIts(),
      topo([{ group: 0 }, { group: 0 }]),
      [mockDev(), mockDev({ bdf: '02:00.0' })],
      ['blocked'],
    );
    const [s1, other] = iommufd_ioas_alloc(s0, 'other');
    const first = iommufd_test_mock_domain(s1, other, 0);
    if (!first.ok) throw new Error(`premise: ${first.errno}`);
    const [s, ioas] = iommufd_ioas_alloc(first.state, ICTX);
    expect(iommufd_test_mock_domain(s, ioas, 1)).toEqual({ ok: false, state: s, errno: 'EPERM' });
  });
});
