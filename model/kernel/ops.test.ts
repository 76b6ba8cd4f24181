import { describe, expect, it } from 'vitest';
import { boot } from '../platform/build.ts';
import { deviceOf } from '../platform/edit.ts';
import type { State } from '../platform/state.ts';
import { iommu_paging_domain_alloc, iommu_probe_device } from './iommu/core.ts';
import { mergedResv } from './iommu/resv.ts';
import { iommufd_ioas_alloc } from './iommufd/ctx.ts';
import {
  iommufd_device_attach,
  iommufd_device_bind,
  iommufd_device_detach,
  iommufd_device_replace,
} from './iommufd/device.ts';
import { iommufd_ioas_iova_ranges } from './iommufd/ioas.ts';
import { iommufd_test_mock_domain } from './iommufd/selftest.ts';
import { iommufd_vfio_iova_ranges } from './iommufd/vfio-compat.ts';
import { KERNEL_ICTX, KERNEL_TYPE1, kernelStep } from './ops.ts';
import { armIts, armV2m, mockDev, setup, topo } from './testing.ts';
import { containerOf, vfio_iommu_type1_detach_group } from './vfio/type1.ts';

// kernelStep is the conformance format's op dispatcher (docs/conformance-format.md section 4.3): each
// op is one kernel entry point, its errno and write-back values passed through unchanged, and the
// state's event log restarted so the step's events are its own.
const withEvents = (s: State): State => ({ ...s, events: [{ kind: 'warn', text: 'earlier step' }] });
const fresh = (s: State): State => ({ ...s, events: [] });

describe('kernelStep (docs/conformance-format.md section 4.3)', () => {
  it('the default iommufd context and type1 container tokens', () => {
    expect([KERNEL_ICTX, KERNEL_TYPE1]).toEqual(['default', 'type1']);
  });
  it('probe_device is iommu_probe_device on the state with its events cleared (drivers/iommu/iommu.c)', () => {
    const s = withEvents(setup(armIts(), topo([{}])));
    const r = iommu_probe_device(fresh(s), 0);
    const want = r.ok ? { state: r.state, out: {} } : { state: r.state, errno: r.errno, out: {} };
    expect(kernelStep(s, { op: 'probe_device', dev: 0 })).toEqual(want);
  });
  it('an errno is passed through with no write-back: iommufd_device_bind without isolated MSI is -EPERM (drivers/iommu/iommufd/device.c)', () => {
    const s = withEvents(setup(armV2m(), topo([{}])));
    const direct = iommufd_device_bind(fresh(s), 0, KERNEL_ICTX);
    expect(direct).toMatchObject({ ok: false, errno: 'EPERM' });
    expect(kernelStep(s, { op: 'iommufd_device_bind', dev: 0, ictx: KERNEL_ICTX })).toEqual({
      state: direct.state,
      errno: 'EPERM',
      out: {},
    });
  });
  it('iommu_get_group_resv_regions returns the merged reserved regions of the group’s devices and changes nothing else (iommu_get_group_resv_regions, drivers/iommu/iommu.c)', () => {
    const s = withEvents(setup(armIts(), topo([{ group: 0, resv: ['direct'] }, { group: 0 }])));
    const devices = [deviceOf(s, 0), deviceOf(s, 1)];
    expect(mergedResv(devices).length).toBeGreaterThan(mergedResv([deviceOf(s, 1)]).length); // premise: device 0's region counts
    expect(kernelStep(s, { op: 'iommu_get_group_resv_regions', group: 0 })).toEqual({
      state: fresh(s),
      out: { regions: mergedResv(devices) },
    });
  });
  it('iommu_dma_prepare_msi of a device without a translating domain: IOVA 0, shift 0, the doorbell itself, stored as the device’s MSI address (iommu_dma_prepare_msi, drivers/iommu/dma-iommu.c)', () => {
    const s = withEvents(setup(armIts(), topo([{}])));
    const step = kernelStep(s, { op: 'iommu_dma_prepare_msi', dev: 0, doorbell: 0x0809_0040n });
    expect(step.errno).toBeUndefined();
    expect(step.out).toEqual({ msi: { iova: 0n, shift: 0, addr: 0x0809_0040n } });
    expect(deviceOf(step.state, 0).msiAddr).toBe(0x0809_0040n);
    expect(step.state.events).toEqual([]);
  });
  it('set_param sets only the parameters it names (vfio_iommu_type1 / iommufd allow_unsafe_interrupts)', () => {
    const s = withEvents(setup(armIts(), topo([{}])));
    const p0 = { iommufdUnsafe: false, type1Unsafe: false };
    const base = { ...s, params: p0 };
    expect(kernelStep(base, { op: 'set_param' })).toEqual({ state: fresh(base), out: {} });
    expect(kernelStep(base, { op: 'set_param', iommufd: true }).state.params).toEqual({
      iommufdUnsafe: true,
      type1Unsafe: false,
    });
    expect(kernelStep(base, { op: 'set_param', type1: true }).state.params).toEqual({
      iommufdUnsafe: false,
      type1Unsafe: true,
    });
    const both = { ...s, params: { iommufdUnsafe: true, type1Unsafe: true } };
    expect(kernelStep(both, { op: 'set_param', iommufd: false }).state.params).toEqual({
      iommufdUnsafe: false,
      type1Unsafe: true,
    });
    expect(kernelStep(both, { op: 'set_param' }).state.params).toEqual({
      iommufdUnsafe: true,
      type1Unsafe: true,
    });
  });
  it('VFIO_IOMMU_GET_INFO on a type1 container no group was set on is -EINVAL with no write-back: it has no IOMMU driver (drivers/vfio/container.c vfio_fops_unl_ioctl)', () => {
    const s = withEvents(setup(armIts(), topo([{}])));
    expect(containerOf(s, KERNEL_TYPE1).groups.size).toBe(0); // premise: no group is in the container
    expect(kernelStep(s, { op: 'vfio_get_info_iova_ranges', container: 'type1' })).toEqual({
      state: fresh(s),
      errno: 'EINVAL',
      out: {},
    });
  });
  it('iommu_paging_domain_alloc writes the new domain id back, owned by the kernel; an unprobed device is -ENODEV with no write-back (drivers/iommu/iommu.c iommu_paging_domain_alloc)', () => {
    const s = withEvents(setup(armIts(), topo([{}])));
    const r = iommu_paging_domain_alloc(fresh(s), 0, 'kernel');
    if (!r.ok) throw new Error(`premise: allocation failed with ${r.errno}`);
    expect(kernelStep(s, { op: 'iommu_paging_domain_alloc', dev: 0 })).toEqual({
      state: r.state,
      out: { domain: r.value },
    });
    const unprobed = { ...s, devices: s.devices.map((d) => ({ ...d, probed: false })) };
    expect(kernelStep(unprobed, { op: 'iommu_paging_domain_alloc', dev: 0 })).toEqual({
      state: fresh(unprobed),
      errno: 'ENODEV',
      out: {},
    });
  });
  it('iommufd_device_detach and vfio detach_group return only the new state, with no errno and no write-back', () => {
    const s = withEvents(setup(armIts(), topo([{}])));
    expect(kernelStep(s, { op: 'iommufd_device_detach', dev: 0 })).toEqual({
      state: iommufd_device_detach(fresh(s), 0),
      out: {},
    });
    expect(kernelStep(s, { op: 'vfio_detach_group', group: 0 })).toEqual({
      state: vfio_iommu_type1_detach_group(fresh(s), KERNEL_TYPE1, 0),
      out: {},
    });
  });
  it('VFIO_IOMMU_GET_INFO on the iommufd compatibility container is iommufd_vfio_iova_ranges of the default context (drivers/iommu/iommufd/vfio_compat.c)', () => {
    const s = withEvents(setup(armIts(), topo([{}])));
    const r = iommufd_vfio_iova_ranges(fresh(s), KERNEL_ICTX);
    const want = r.ok
      ? { state: r.state, out: { vfioRanges: r.value } }
      : { state: r.state, errno: r.errno, out: {} };
    expect(kernelStep(s, { op: 'vfio_get_info_iova_ranges', container: 'iommufd-compat' })).toEqual(want);
  });

  it('an errno with nothing written back has an empty write-back, not a domain field set to undefined; -EMSGSIZE of IOMMU_IOAS_IOVA_RANGES still writes num_iovas back (drivers/iommu/iommufd/ioas.c iommufd_ioas_iova_ranges)', () => {
    const s = withEvents(setup(armIts(), topo([{}])));
    const unprobed = { ...s, devices: s.devices.map((d) => ({ ...d, probed: false })) };
    const failed = kernelStep(unprobed, { op: 'iommu_paging_domain_alloc', dev: 0 });
    expect(failed.errno).toBe('ENODEV');
    expect(failed.out).toStrictEqual({});
    const [withIoas, ioas] = iommufd_ioas_alloc(fresh(s), KERNEL_ICTX);
    const r = iommufd_ioas_iova_ranges(withIoas, ioas, 0);
    if (r.ok || r.partial === undefined)
      throw new Error('premise: a zero-sized array is -EMSGSIZE with the counts');
    expect(kernelStep(withIoas, { op: 'ioas_iova_ranges', ioas, numIovas: 0 })).toEqual({
      state: r.state,
      errno: 'EMSGSIZE',
      out: { iovaRanges: r.partial },
    });
  });

  it('IOMMU_TEST_OP_MOCK_DOMAIN, then iommufd_device_replace and iommufd_device_attach write the hwpt the device is left on back (drivers/iommu/iommufd/selftest.c iommufd_test_mock_domain: out_stdev / out_hwpt_id; device.c iommufd_device_attach/replace: *pt_id)', () => {
    const [s0, ioas] = iommufd_ioas_alloc(boot(armIts(), topo([{}]), [mockDev()], ['blocked']), KERNEL_ICTX);
    const s = withEvents(s0);
    const mocked = iommufd_test_mock_domain(fresh(s), ioas, 0);
    if (!mocked.ok) throw new Error(`premise: mock domain failed with ${mocked.errno}`);
    expect(kernelStep(s, { op: 'selftest_mock_domain', ioas, dev: 0 })).toEqual({
      state: mocked.state,
      out: { domain: mocked.value },
    });
    const [s1, ioas2] = iommufd_ioas_alloc(mocked.state, KERNEL_ICTX);
    const replaced = iommufd_device_replace(fresh(s1), 0, { ioas: ioas2 });
    if (!replaced.ok) throw new Error(`premise: replace failed with ${replaced.errno}`);
    expect(replaced.value).not.toBe(mocked.value);
    expect(kernelStep(s1, { op: 'iommufd_device_replace', dev: 0, pt: { ioas: ioas2 } })).toEqual({
      state: replaced.state,
      out: { domain: replaced.value },
    });
    const detached = iommufd_device_detach(replaced.state, 0);
    const attached = iommufd_device_attach(fresh(detached), 0, { ioas });
    if (!attached.ok) throw new Error(`premise: attach failed with ${attached.errno}`);
    expect(kernelStep(detached, { op: 'iommufd_device_attach', dev: 0, pt: { ioas } })).toEqual({
      state: attached.state,
      out: { domain: attached.value },
    });
  });
});
