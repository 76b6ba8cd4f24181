import fc from 'fast-check';
import { describe, it } from 'vitest';
import { deliverRiscv, type RiscvPlatform } from '../../model/hw/riscv.ts';
import { fileIds, findHart, type ImsicFile } from '../../model/hw/riscv-aia/imsic.ts';
import type { Outcome } from '../../model/types/outcome.ts';
import { riscvPlatformArb, riscvWriteArb } from '../arbitraries/hw/riscv.ts';
import { HW_RUNS, SEED } from '../settings.ts';

/** An IMSIC interrupt names an existing hart, a file that hart has, and an implemented identity. */
const namesExistingImsicFile = (p: RiscvPlatform, o: Extract<Outcome, { kind: 'interrupt' }>): boolean => {
  const [g, h] = o.target.split('.').map(Number);
  const hart = findHart(p.imsic, g ?? -1, h ?? -1);
  if (hart === undefined || o.file === undefined) return false;
  const file = o.file as ImsicFile;
  const okFile = file === 'M' || file === 'S' || Number(file.slice(1)) <= hart.geilen;
  return okFile && o.identity >= 1 && o.identity <= fileIds(hart, file);
};

describe('RISC-V deliver is total (hw-msi-facts §6.1; issue: deliver never throws)', () => {
  it('never throws, and every interrupt names an existing IMSIC file and identity (MRIF: D ≤ 2047)', () => {
    fc.assert(
      fc.property(
        riscvPlatformArb.chain((p) => fc.tuple(fc.constant(p), riscvWriteArb(p))),
        ([p, w]) => {
          const o = deliverRiscv(p, w);
          if (o.kind !== 'interrupt') return true;
          if (o.controller === 'mrif') {
            return (
              o.identity <= 2047 && (o.notice?.kind !== 'interrupt' || namesExistingImsicFile(p, o.notice))
            );
          }
          return o.controller === 'imsic' && namesExistingImsicFile(p, o);
        },
      ),
      { seed: SEED, numRuns: HW_RUNS },
    );
  });
});
