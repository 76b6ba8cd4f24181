import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deliverX86, type X86Platform } from '../../model/hw/x86/index.ts';
import { apicTarget, inInterruptWindow } from '../../model/hw/x86/window.ts';
import { bits, hex, PAGE_MASK, PAGE_SHIFT } from '../../model/types/addr.ts';
import type { Outcome } from '../../model/types/outcome.ts';
import type { Write } from '../../model/types/write.ts';
import { arbX86Case } from '../arbitraries/hw/x86.ts';

const seed = Number(process.env.MSISPEC_SEED ?? 0x8086);
const numRuns = 300;

type Interrupt = Extract<Outcome, { kind: 'interrupt' }>;

/** Compatibility format: the write itself names APIC (addr 19:12) and vector (data 7:0). */
const isCompat = (o: Interrupt, w: Write): boolean =>
  o.controller === 'lapic' &&
  o.target === apicTarget(Number(bits(w.addr, 19, 12))) &&
  o.identity === (w.data & 0xff);

/** The interrupt names a remapping entry that exists in the platform's config. */
const fromConfigEntry = (p: X86Platform, o: Interrupt): boolean => {
  const ir = p.ir;
  if (ir.kind === 'vtd') {
    return [...ir.irt.values()].some((e) =>
      e.im === 1
        ? o.controller === 'posted' && o.target === hex(e.pda) && o.identity === e.vvector
        : o.controller === 'lapic' &&
          o.target === apicTarget(ir.eime ? e.dest : (e.dest >>> 8) & 0xff) &&
          o.identity === e.vector,
    );
  }
  if (ir.kind === 'amd') {
    return [...ir.devices.values()].some((d) =>
      [...d.irt.values()].some(
        (e) => o.controller === 'lapic' && o.target === apicTarget(e.destination) && o.identity === e.vector,
      ),
    );
  }
  return false;
};

/** A memory write lands where the requester's DMA domain sends that address. */
const fromDmaDomain = (p: X86Platform, w: Write, pa: bigint): boolean => {
  const d = p.dma.get(w.rid);
  if (d === undefined) return false;
  if (d.mode === 'passthrough') return pa === w.addr;
  const e = d.map.get(w.addr >> PAGE_SHIFT);
  return e?.w === true && pa === ((e.ppn << PAGE_SHIFT) | (w.addr & PAGE_MASK));
};

describe('x86 totality (deliverX86 over random platforms and writes; hw-msi-facts §6.3–§6.5)', () => {
  it('never throws, never DMA-translates a window write, and every outcome comes from the write or the config', () => {
    fc.assert(
      fc.property(arbX86Case, ([p, w]) => {
        const o = deliverX86(p, w, []);
        switch (o.kind) {
          case 'interrupt':
            expect(inInterruptWindow(w.addr)).toBe(true);
            expect(isCompat(o, w) || fromConfigEntry(p, o)).toBe(true);
            break;
          case 'memory':
            expect(inInterruptWindow(w.addr)).toBe(false);
            expect(o.data).toBe(w.data);
            expect(fromDmaDomain(p, w, o.pa)).toBe(true);
            break;
          case 'fault':
            // The remapping unit's window region takes only aligned 32-bit pieces (QEMU vtd_mem_ir_ops /
            // amdvi_ir_ops .valid 4..4 → MEMTX_DECODE_ERROR); every other fault is the unit's own.
            if (o.arch === 'bus')
              expect(inInterruptWindow(w.addr) && (w.addr % 4n !== 0n || w.size % 4 !== 0)).toBe(true);
            else expect(o.arch).toBe(p.ir.kind === 'amd' ? 'amd-vi' : 'vtd');
            break;
          case 'dropped':
            throw new Error(`x86 never drops silently, got ${o.reason}`);
          default: {
            const never: never = o;
            throw new Error(`unknown outcome ${String(never)}`);
          }
        }
      }),
      { seed, numRuns },
    );
  });

  it('with VT-d IR on, CFIS = 0 and every IRTE SVT = 1/SQ = 0, no window write raises an interrupt from an IRTE of another SID', () => {
    fc.assert(
      fc.property(arbX86Case, ([p0, w]) => {
        if (p0.ir.kind !== 'vtd') return;
        const irt = new Map([...p0.ir.irt].map(([i, e]) => [i, { ...e, svt: 1 as const, sq: 0 as const }]));
        const p: X86Platform = { ...p0, ir: { ...p0.ir, ires: true, cfis: false, irt } };
        const o = deliverX86(p, w);
        if (o.kind !== 'interrupt') return;
        const ir = p.ir;
        if (ir.kind !== 'vtd') return;
        // Every IRTE that could have produced `o` must carry the writer's SID.
        const owners = [...ir.irt.values()].filter((e) =>
          e.im === 1
            ? o.controller === 'posted' && o.target === hex(e.pda) && o.identity === e.vvector
            : o.controller === 'lapic' &&
              o.target === apicTarget(ir.eime ? e.dest : (e.dest >>> 8) & 0xff) &&
              o.identity === e.vector,
        );
        expect(owners.some((e) => e.sid === w.rid)).toBe(true);
      }),
      { seed, numRuns },
    );
  });
});
