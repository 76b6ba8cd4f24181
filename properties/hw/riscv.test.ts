import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deliverRiscv, type RiscvPlatform } from '../../model/hw/riscv.ts';
import { fileIds, findHart, type ImsicFile } from '../../model/hw/riscv-aia/imsic.ts';
import type { Outcome } from '../../model/types/outcome.ts';
import { riscvPlatformArb, riscvWriteArb } from '../arbitraries/hw/riscv.ts';
import { HW_RUNS, SEED } from '../settings.ts';

/** An IMSIC interrupt names an existing hart, a file that hart has, and an implemented identity. */
const namesExistingImsicFile = (p: RiscvPlatform, o: Extract<Outcome, { kind: 'interrupt' }>): boolean => {
  const [g, h] = o.target.split('.').map(Number);
  const hart = findHart(p.imsic, g ?? -1, h ?? -1);
  if (o.controller !== 'imsic' || hart === undefined || o.file === undefined) return false;
  const file = o.file as ImsicFile;
  const okFile = file === 'M' || file === 'S' || Number(file.slice(1)) <= hart.geilen;
  return okFile && o.identity >= 1 && o.identity <= fileIds(hart, file);
};

describe('RISC-V deliver is total (IOMMU spec "Process to translate an IOVA"; AIA "Incoming MSI Controller" and "MSI PTE, MRIF mode")', () => {
  it('never throws, and every interrupt names an existing IMSIC file and identity (MRIF: D ≤ 2047)', () => {
    fc.assert(
      fc.property(
        riscvPlatformArb.chain((p) => fc.tuple(fc.constant(p), riscvWriteArb(p))),
        ([p, w]) => {
          const o = deliverRiscv(p, w);
          switch (o.kind) {
            case 'interrupt':
              if (o.controller === 'mrif') {
                // AIA "Format of a memory-resident interrupt file": an MRIF holds identities 0-2047.
                expect(o.identity).toBeGreaterThanOrEqual(0);
                expect(o.identity).toBeLessThanOrEqual(2047);
                if (o.notice?.kind === 'interrupt') expect(namesExistingImsicFile(p, o.notice)).toBe(true);
              } else {
                expect(namesExistingImsicFile(p, o), `${o.controller} ${o.target} ${o.file}`).toBe(true);
              }
              break;
            case 'memory':
              // Neither basic-mode MSI translation nor the G-stage touches the data.
              expect(o.data).toBe(w.data);
              break;
            case 'fault':
              expect(o.arch).toBe('riscv-iommu');
              break;
            case 'dropped':
              expect(o.reason).toMatch(/^(imsic|mrif)-/);
              break;
            case 'register':
              // The IMSIC page has no register that acts on a write but seteipnum (AIA, IMSIC memory region).
              expect.fail(`a register outcome on RISC-V: ${o.register}`);
              break;
            default: {
              const never: never = o;
              throw new Error(`unknown outcome ${String(never)}`);
            }
          }
        },
      ),
      { seed: SEED, numRuns: HW_RUNS },
    );
  });
});
