import { describe, expect, it } from 'vitest';
import { GICD_REGISTERS } from '../../model/hw/arm-gic/gicd.ts';
import { alloc, armIts, armV2m, assign, setup, topo } from '../../model/kernel/testing.ts';
import { type Domain, IOMMU_READ, IOMMU_WRITE, type State } from '../../model/platform/state.ts';
import { getDesign } from '../designs/load.ts';
import { DOORBELL_PAGE_OFFSETS, msiMappedPages } from './doorbell-exposure.ts';
import { getInvariant, INVARIANTS } from './index.ts';
import { INVARIANT_IDS, type InvariantId } from './types.ts';

const judge = (id: InvariantId, s: State) =>
  getInvariant(id).check({ id: s.design, hardware: s.hardware, policy: s.policy }, s);
const withDomain = (s: State, id: number, f: (d: Domain) => Domain): State => ({
  ...s,
  domains: s.domains.map((d) => (d.id === id ? f(d) : d)),
});

describe('every invariant has one file, a statement and sources (docs/invariants.md)', () => {
  it('registers exactly the 14 stable ids, each with a statement, rationale and at least one source', () => {
    expect([...INVARIANTS.keys()]).toEqual([...INVARIANT_IDS]);
    for (const inv of INVARIANTS.values()) {
      expect(inv.statement.length).toBeGreaterThan(40);
      expect(inv.rationale.length).toBeGreaterThan(40);
      expect(inv.sources.length).toBeGreaterThan(0);
    }
  });
  it('all 14 hold on the boot state of the reference design arm-smmuv3-gicv3-its', () => {
    const d = getDesign('arm-smmuv3-gicv3-its');
    const s = setup(d, d.canonical.topology, []);
    for (const id of INVARIANT_IDS) expect(judge(id, s), id).toEqual([]);
  });
});

// The invariants no catalogue design violates must still be able to fail: each is shown a state
// that breaks it.
describe('invariants that no catalogue design violates can still fail', () => {
  it('hw-sw-msi-exclusive: a driver reporting both IOMMU_RESV_MSI and SW_MSI (docs/invariants.md#hw-sw-msi-exclusive)', () => {
    const s = setup(armIts({ msiRegion: 'hw-msi-and-sw-msi' }), topo([{}]), []);
    expect(judge('hw-sw-msi-exclusive', s)).toMatchObject([
      { witness: { kind: 'regions', problem: '1 MSI and 1 SW_MSI' } },
    ]);
  });

  it('assignment-gate: a kernel that let a non-isolated group in without allow_unsafe_interrupts (docs/invariants.md#assignment-gate)', () => {
    const s = setup(armV2m(), topo([{}]), [assign(0, 'type1', { unsafe: true })]);
    const last = s.last;
    if (last === undefined || last.op.op !== 'vfio_group_assign') throw new Error('setup');
    const broken: State = { ...s, last: { ...last, op: { ...last.op, unsafe: false } } };
    expect(judge('assignment-gate', s)).toEqual([]);
    expect(judge('assignment-gate', broken)).toMatchObject([
      { witness: { kind: 'gate', isolated: false, unsafe: false, result: 'ok' } },
    ]);
  });

  it('resv-exclusion: a user mapping inside the SW_MSI window of an attached device (vfio_iommu_iova_dma_valid)', () => {
    const s = setup(armIts(), topo([{}]), [assign(0, 'type1')]);
    const dom = s.groups[0]?.domain ?? -1;
    const broken = withDomain(s, dom, (d) => ({
      ...d,
      pages: new Map(d.pages).set(0x8000n, { ppn: 0x80000n, origin: 'user', prot: IOMMU_READ | IOMMU_WRITE }),
    }));
    expect(judge('resv-exclusion', s)).toEqual([]);
    expect(judge('resv-exclusion', broken)).toMatchObject([
      { witness: { kind: 'mapping', iova: '0x8000000' } },
    ]);
  });

  it('dma-containment: an assigned group left on a passthrough domain reaches unmapped memory', () => {
    const s = setup(armIts(), topo([{}]), [assign(0, 'type1')]);
    const dom = s.groups[0]?.domain ?? -1;
    expect(judge('dma-containment', s)).toEqual([]);
    const broken = withDomain(s, dom, (d) => ({ ...d, type: 'IDENTITY' }));
    expect(judge('dma-containment', broken)).toMatchObject([
      { witness: { kind: 'write', reached: { what: 'unmapped-iova' } } },
    ]);
  });

  it('domain-switch-continuity: a replace whose new domain lacks the MSI page (iommufd_group_setup_msi skipped)', () => {
    const s = setup(armIts(), topo([{}]), [
      assign(0, 'iommufd'),
      alloc(0),
      { op: 'iommu_replace_domain', group: 0 },
    ]);
    expect(judge('domain-switch-continuity', s)).toEqual([]);
    const dom = s.groups[0]?.domain ?? -1;
    const broken = withDomain(s, dom, (d) => ({
      ...d,
      pages: new Map([...d.pages].filter(([, m]) => m.origin !== 'msi')),
    }));
    expect(judge('domain-switch-continuity', broken)).toMatchObject([{ witness: { kind: 'delivery' } }]);
  });

  it('userspace-msi-address: a programmed address other than the one userspace supplied (seed 003)', () => {
    const d = getDesign('vfio-per-vector-msi-address');
    const s = setup(d, topo([{}]), [
      assign(0, 'iommufd'),
      { op: 'vfio_set_msi_iova', device: 0, vector: 0, iova: '0xa0000000' },
      alloc(0),
    ]);
    expect(judge('userspace-msi-address', s)).toEqual([]);
    const broken: State = { ...s, irqs: s.irqs.map((q) => ({ ...q, msg: { ...q.msg, addr: 0x800_0040n } })) };
    expect(judge('userspace-msi-address', broken)).toMatchObject([
      { witness: { kind: 'delivery', expected: 'page 0xa0000000' } },
    ]);
  });
});

describe('doorbell-exposure: every register offset of a page mapped for MSIs (docs/invariants.md#doorbell-exposure)', () => {
  it('the probed offsets cover each register of the GICv3 distributor map within its 4 KiB page, GITS_TRANSLATER, MSI_SETSPI_NS, MSI_TYPER, MSI_IIDR and seteipnum_le/be (Arm IHI 0069; SBSA GICv2m; RISC-V AIA, IMSIC memory region)', () => {
    for (const r of GICD_REGISTERS) expect(DOORBELL_PAGE_OFFSETS, r.name).toContain(r.start & 0xfffn);
    for (const off of [0x0n, 0x4n, 0x8n, 0x40n, 0xfccn]) expect(DOORBELL_PAGE_OFFSETS).toContain(off);
  });

  it('holds on the ITS: every offset of the SW_MSI doorbell page is GITS_TRANSLATER or RES0 of the translation frame (QEMU gicv3_its_translation_write)', () => {
    const s = setup(armIts(), topo([{}]), [assign(0, 'iommufd'), alloc(0)]);
    expect(msiMappedPages(s, 0)).toHaveLength(1);
    expect(judge('doorbell-exposure', s)).toEqual([]);
  });

  it('fails on GICv3 MBI without mbi-alias: offset 0 of the mapped distributor page is GICD_CTLR (drivers/irqchip/irq-gic-v3-mbi.c mbi_irq_domain_alloc)', () => {
    const mbi = { ...armV2m(), hardware: { arch: 'arm', irqchip: 'gicv3-mbi' } } as const;
    const s = setup(mbi, topo([{}]), [assign(0, 'type1', { unsafe: true }), alloc(0)]);
    expect(judge('doorbell-exposure', s)).toMatchObject([
      {
        witness: {
          kind: 'write',
          reached: { owner: 'host', what: 'register GICD_CTLR' },
          allowed: 'userspace:0',
        },
      },
    ]);
  });

  it('fails when a page mapped for MSIs reaches memory: an MSI mapping onto RAM', () => {
    const s = setup(armIts(), topo([{}]), [assign(0, 'iommufd'), alloc(0)]);
    const dom = s.groups[0]?.domain ?? -1;
    const broken = withDomain(s, dom, (d) => ({
      ...d,
      pages: new Map(
        [...d.pages].map(([iova, m]) => [iova, m.origin === 'msi' ? { ...m, ppn: 0x80000n } : m]),
      ),
    }));
    expect(judge('doorbell-exposure', broken)).toMatchObject([{ witness: { reached: { owner: 'memory' } } }]);
  });
});
