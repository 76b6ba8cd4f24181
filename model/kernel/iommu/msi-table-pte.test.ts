import { describe, expect, it } from 'vitest';
import { domainOf, groupOf, setDomain } from '../../platform/edit.ts';
import { imsicPage, msiFileIndex } from '../../platform/layout.ts';
import type { State } from '../../platform/state.ts';
import { DOORBELL_POLICIES } from '../policy.ts';
import { alloc, riscv, setup, topo } from '../testing.ts';
import {
  currentDomainOf,
  initialMsiTable,
  mapMsiPte,
  releaseFreedMsiPtes,
  unmapMsiPte,
} from './msi-table.ts';

// RFC v2 patch 08 (20250920203851.2205115-28-ajones@ventanamicro.com): the MSI page table lives in
// riscv_iommu_domain.msi_root; one basic PTE per host hart's S-file, interrupt-file index → IMSIC page.
const sFiles = (harts: number): Map<bigint, bigint> =>
  new Map([...Array(harts).keys()].map((h) => [msiFileIndex(h, 0), imsicPage(harts, h, 'S')]));

describe('initialMsiTable (RFC v2 patch 08; seed 000_9c07f0ca1a181b92.txt)', () => {
  const FULL = ['msi-table-all', 'msi-table-userspace-window'];
  for (const p of DOORBELL_POLICIES) {
    it(`${p}: ${FULL.includes(p) ? 'every host S-file' : p === 'msi-table-guest-files' ? 'every S-file in a host domain, none in an owner domain' : 'no PTE'} (3 harts)`, () => {
      const s = setup(riscv(p), topo([{}], { harts: 3 }));
      const host = FULL.includes(p) || p === 'msi-table-guest-files' ? sFiles(3) : new Map();
      expect(initialMsiTable(s, 'host')).toEqual(host);
      expect(initialMsiTable(s, 'user0')).toEqual(FULL.includes(p) ? sFiles(3) : new Map());
    });
  }
});

describe('mapMsiPte / unmapMsiPte (RFC v2 patch 08: one S-file PTE per hart, refcounted by its host IRQs)', () => {
  const affinityState = (): State => setup(riscv('msi-table-affinity'), topo([{}], { harts: 2 }));

  it('mapMsiPte adds exactly the hart S-file PTE; a second call returns the same state', () => {
    const s = affinityState();
    const id = groupOf(s, 0).domain;
    const before = domainOf(s, id);
    expect(before.msiTable).toEqual(new Map());
    const s1 = mapMsiPte(s, id, 1);
    expect(domainOf(s1, id)).toEqual({
      ...before,
      msiTable: new Map([[msiFileIndex(1, 0), imsicPage(2, 1, 'S')]]),
    });
    expect(mapMsiPte(s1, id, 1)).toBe(s1);
  });

  it('a table in the guest layout (irqbypass switched DC.msi_addr_*) is left alone by map and unmap', () => {
    const s = affinityState();
    const id = groupOf(s, 0).domain;
    const g = setDomain(s, { ...domainOf(s, id), msiGuestLayout: true, msiTable: sFiles(2) });
    expect(mapMsiPte(g, id, 0)).toBe(g);
    expect(unmapMsiPte(g, id, 0)).toBe(g);
  });

  it('unmapMsiPte drops the PTE once no host IRQ of the domain targets the hart; keeps it while one does', () => {
    const s = setup(riscv('msi-table-affinity'), topo([{ vectors: 1 }], { harts: 2 }), [alloc(0)]);
    const id = groupOf(s, 0).domain;
    const irq = s.irqs[0];
    if (irq === undefined) throw new Error('no irq');
    expect(irq).toMatchObject({ via: 'host', domain: id });
    const hart = irq.hart;
    expect(domainOf(s, id).msiTable.get(msiFileIndex(hart, 0))).toBe(imsicPage(2, hart, 'S'));
    expect(unmapMsiPte(s, id, hart)).toBe(s);
    const freed = { ...s, irqs: [] };
    const after = unmapMsiPte(freed, id, hart);
    expect(domainOf(after, id)).toEqual({ ...domainOf(s, id), msiTable: new Map() });
    // releaseFreedMsiPtes: the IRQ gone between before and after drops its PTE.
    expect(domainOf(releaseFreedMsiPtes(s, freed), id).msiTable).toEqual(new Map());
    expect(releaseFreedMsiPtes(s, s)).toBe(s);
  });

  it('unmapMsiPte: no PTE for the hart, no such domain, or a policy without IR irq-domain PTEs: unchanged', () => {
    const s = affinityState();
    const id = groupOf(s, 0).domain;
    expect(unmapMsiPte(s, id, 1)).toBe(s);
    expect(unmapMsiPte(s, s.domains.length, 0)).toBe(s);
    const all = setup(riscv('msi-table-all'), topo([{}], { harts: 2 }));
    const allId = groupOf(all, 0).domain;
    expect(domainOf(all, allId).msiTable).toEqual(sFiles(2));
    expect(unmapMsiPte(all, allId, 0)).toBe(all);
  });

  it('currentDomainOf: the device group domain', () => {
    const s = setup(riscv('msi-table-affinity'), topo([{}, {}]));
    expect(currentDomainOf(s, 1)).toBe(groupOf(s, 1).domain);
    expect(currentDomainOf(s, 0)).toBe(groupOf(s, 0).domain);
  });
});
