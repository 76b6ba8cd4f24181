import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hopLabel, hopSentence, isKnownStep, opText, resultText } from './hops.ts';
import { storedReports } from './testing.ts';

const HW = new URL('../../model/hw/', import.meta.url).pathname;

/** Every non-test TypeScript file under model/hw. */
const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sources(join(dir, e.name))
      : e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')
        ? [join(dir, e.name)]
        : [],
  );

/**
 * The step ids the hardware blocks emit, read from their source: literals after `step:` (including
 * both arms of a ternary), the `stage${stage}-walk` template, and the step argument that the fault
 * helpers (vtdFault, amdFault, dmaFault) take right after `trace`.
 */
const emittedSteps = (): Set<string> => {
  const ids = new Set<string>();
  for (const f of sources(HW)) {
    const src = readFileSync(f, 'utf8');
    for (const line of src.matchAll(/step: (?!string)([^\n]*)/g))
      for (const lit of (line[1] ?? '').matchAll(/'([a-z0-9-]+)'/g)) ids.add(lit[1] ?? '');
    if (/step: `stage\$\{stage\}-walk`/.test(src)) for (const n of [1, 2]) ids.add(`stage${n}-walk`);
    for (const hit of src.matchAll(/(?<!tracedFault\()trace,\s*'([a-z0-9-]+)'/g)) ids.add(hit[1] ?? '');
    // faultAt(CAUSE, 'step', …): the RISC-V IOMMU's traced-fault helper.
    for (const hit of src.matchAll(/faultAt\(\s*[A-Z_][A-Z0-9_]*,\s*'([a-z0-9-]+)'/g)) ids.add(hit[1] ?? '');
  }
  ids.delete('');
  return ids;
};

describe('hopSentence covers the hardware blocks (model/types/hop.ts: step ids → report sentences)', () => {
  const ids = emittedSteps();

  it('finds the step ids of every block in model/hw (RISC-V IOMMU, IMSIC, SMMUv3, ITS, v2m, VT-d, AMD-Vi, LAPIC)', () => {
    for (const known of [
      'msi-match',
      'seteipnum',
      'stage1-walk',
      'translater-write',
      'setspi',
      'sid-check',
      'intctl',
      'compat-decode',
      'sid-mismatch',
      'no-context',
    ])
      expect(ids).toContain(known);
    expect(ids.size).toBeGreaterThan(60);
  });

  it('has its own sentence for every step id the model emits (none falls back to the generic sentence)', () => {
    expect([...ids].filter((id) => !isKnownStep(id)).sort()).toEqual([]);
  });

  it('falls back to a sentence listing the facts for an unknown step id', () => {
    const h = { block: 'x', step: 'new-step', ref: 'r', facts: { a: 1, b: 'c' } };
    expect(hopSentence(h)).toBe('Step `new-step`: a = 1, b = c.');
    expect(isKnownStep('new-step')).toBe(false);
  });

  it('renders every hop of every stored witness with all its facts (no "?" placeholder)', () => {
    for (const { file, load } of storedReports())
      for (const h of load().data.hops) {
        expect(hopSentence(h), `${file} ${h.step}`).not.toContain('?');
        expect(hopLabel(h), `${file} ${h.step}`).not.toContain('?');
      }
  });

  it('says what the MSI address match does (RISC-V IOMMU spec, MSI address translation, steps 1-5)', () => {
    expect(
      hopSentence({
        block: 'riscv-iommu',
        step: 'msi-match',
        ref: '',
        facts: { gpa: '0x28000000', file: 0 },
      }),
    ).toBe('GPA 0x28000000 matches `msi_addr_pattern` under `msi_addr_mask` → interrupt file number 0.');
  });

  it('says that SVT = 0 does not verify the requester (QEMU vtd_irte_get; VT-d IRTE SVT)', () => {
    expect(
      hopSentence({
        block: 'vtd-ir',
        step: 'sid-check',
        ref: '',
        facts: { index: 0, rid: '0x8', svt: 0, sq: 0, sid: '0x10', ok: true },
      }),
    ).toContain('SVT = 0: the source-id is not verified');
  });
});

describe('opText and resultText (model/platform/scenario.ts ops as kernel calls)', () => {
  const topo = {
    harts: 2,
    devices: [
      { bdf: '00:01.0', group: 0, vectors: 1, resv: [] },
      { bdf: '00:02.0', group: 1, vectors: 1, resv: [] },
    ],
    vms: 1,
  };
  it('names devices by BDF and owners as VFIO context or VM', () => {
    expect(opText({ op: 'msi_domain_alloc_irqs', device: 1 }, topo)).toBe('msi_domain_alloc_irqs(00:02.0)');
    expect(
      opText(
        { op: 'vfio_group_assign', group: 1, backend: 'type1', to: 'userspace', owner: 0, unsafe: false },
        topo,
      ),
    ).toBe('vfio_group_assign(group 1 → VFIO userspace ctx 0, type1)');
    expect(
      opText(
        { op: 'vfio_group_assign', group: 0, backend: 'iommufd', to: 'guest', owner: 0, unsafe: true },
        topo,
      ),
    ).toBe('vfio_group_assign(group 0 → VM 0, iommufd, allow_unsafe_interrupts=1)');
    expect(opText({ op: 'irq_set_affinity', device: 0, vector: 0, hart: 1 }, topo)).toBe(
      'irq_set_affinity(00:01.0 vector 0 → hart 1)',
    );
  });
  it('shows the allocated IRQ and errno names (model/kernel/errno.ts)', () => {
    expect(resultText({ ok: true })).toBe('ok');
    expect(resultText({ ok: true, value: 25 }, { op: 'msi_domain_alloc_irqs', device: 0 })).toBe(
      'ok — IRQ 25',
    );
    expect(resultText({ ok: false, errno: 'EPERM' })).toBe('-EPERM');
  });
});
