import type { ErrnoName } from '../../../model/kernel/errno.ts';
import { iommu_probe_device } from '../../../model/kernel/iommu/core.ts';
import { ctxOf, iommufd_ioas_alloc, setCtx } from '../../../model/kernel/iommufd/ctx.ts';
import { iommufd_ioas_map } from '../../../model/kernel/iommufd/ioas.ts';
import { iommufd_test_mock_domain } from '../../../model/kernel/iommufd/selftest.ts';
import { KERNEL_ICTX } from '../../../model/kernel/ops.ts';
import { type DesignCore, LINUX_POLICY } from '../../../model/kernel/policy.ts';
import { boot } from '../../../model/platform/build.ts';
import type { Topology } from '../../../model/platform/scenario.ts';
import type { State } from '../../../model/platform/state.ts';
import type { KernelCase } from './types.ts';

/**
 * The Linux system a kernel case runs on: the kernel's own policy (SW_MSI cookies, require_direct
 * on every probe, iommu_dma_prepare_msi), no design knob. The hardware is irrelevant to kernel
 * cases (nothing is delivered); the Arm one is named because the ITS irqchip is the reference
 * caller of iommu_dma_prepare_msi.
 */
export const LINUX: DesignCore = {
  id: 'linux-7.0',
  hardware: { arch: 'arm', irqchip: 'gicv3-its' },
  policy: LINUX_POLICY,
};

/** A requester id for device `i` (kernel cases do not name PCI addresses): bus i >> 5, device i & 31. */
const bdfOf = (i: number): string =>
  `${(i >> 5).toString(16).padStart(2, '0')}:${(i & 31).toString(16).padStart(2, '0')}.0`;

/**
 * Builds the case's system and performs the implicit setup actions of section 4.1, in order:
 * parameters, groups, every IOAS of the default context with its mappings (the first IOAS is the
 * VFIO compatibility IOAS); every non-mock device that no probe_device step names is probed, in
 * `devices` order; every mock device that no selftest_mock_domain step names gets
 * selftest_mock_domain on the first IOAS. Returns the errno of the first action that fails.
 */
export const setupSystem = (c: KernelCase): { state: State } | { errno: ErrnoName } => {
  const { setup } = c;
  const topology: Topology = {
    harts: 1,
    vms: 0,
    devices: setup.devices.map((d, i) => ({ bdf: bdfOf(i), group: d.group, vectors: 1, resv: [] })),
  };
  let s = boot(
    LINUX,
    topology,
    setup.devices.map((d, i) => ({ ...d, bdf: bdfOf(i), vectors: 1 })),
    setup.groups.map((g) => g.defaultType),
    {
      pageSize: setup.pageSize,
      ...(setup.geometry === undefined
        ? {}
        : {
            geometry: {
              aperture: { start: setup.geometry.start, last: setup.geometry.last },
              pgsize: setup.geometry.pgsize,
            },
          }),
    },
  );
  s = { ...s, params: { iommufdUnsafe: setup.params.iommufd, type1Unsafe: setup.params.type1 } };
  for (const a of setup.ioas) {
    let ioas: number;
    [s, ioas] = iommufd_ioas_alloc(s, KERNEL_ICTX);
    for (const m of a.mappings) {
      const r = iommufd_ioas_map(s, ioas, m.iova, m.length);
      if (!r.ok) return { errno: r.errno };
      s = r.state;
    }
  }
  const compat = ctxOf(s, KERNEL_ICTX).ioas[0];
  if (compat !== undefined) s = setCtx(s, KERNEL_ICTX, { ...ctxOf(s, KERNEL_ICTX), vfioIoas: compat });
  const probed = new Set(c.steps.flatMap((st) => (st.args.op === 'probe_device' ? [st.args.dev] : [])));
  const mocked = new Set(
    c.steps.flatMap((st) => (st.args.op === 'selftest_mock_domain' ? [st.args.dev] : [])),
  );
  for (const [i, d] of setup.devices.entries()) {
    if (d.mock || probed.has(i)) continue;
    const r = iommu_probe_device(s, i);
    if (!r.ok) return { errno: r.errno };
    s = r.state;
  }
  for (const [i, d] of setup.devices.entries()) {
    if (!d.mock || mocked.has(i) || compat === undefined) continue;
    const r = iommufd_test_mock_domain(s, compat, i);
    if (!r.ok) return { errno: r.errno };
    s = r.state;
  }
  return { state: { ...s, events: [] } };
};
