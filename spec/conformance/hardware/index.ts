import { deliver } from '../../../model/hw/deliver.ts';
import { deliverRiscvIommu } from '../../../model/hw/riscv.ts';
import { imsicWrite } from '../../../model/hw/riscv-aia/imsic.ts';
import type { Outcome } from '../../../model/types/outcome.ts';
import { accessOf, type Write } from '../../../model/types/write.ts';
import type { CaseKind } from '../contract.ts';
import { Reader } from '../read.ts';
import { ARCHES, type Arch } from './arch.ts';
import { readItsSetup, readV2mSetup } from './arm.ts';
import { compare, type Expected, readExpected } from './expected.ts';
import { readImsic, readRiscvIommuSetup } from './riscv.ts';
import { readWrite } from './write.ts';
import { readAmdSetup, readCompatSetup, readVtdSetup } from './x86.ts';

/**
 * Hardware vectors (docs/conformance-format.md, section 3): `setup` builds one platform of the
 * model, `write` is one device transaction, and `expected` is compared with the outcome the model's
 * hardware layer computes for it.
 */
export interface HardwareCase {
  readonly arch: Arch;
  readonly write: Write;
  readonly expected: Expected;
  /** The model's outcome for the write (pure). */
  readonly deliver: () => Outcome;
}

/** Builds the setup of `arch` into the function that delivers a write on it. */
const readSetup = (r: Reader, arch: Arch, raw: unknown, rid: number | undefined) => {
  const path = '.setup';
  switch (arch) {
    case 'riscv-iommu': {
      const s = readRiscvIommuSetup(r, raw, path);
      return s && ((w: Write) => deliverRiscvIommu(s.iommu, s.imsic, w));
    }
    case 'imsic': {
      // The write reaches the IMSICs untranslated; an address outside them is memory.
      const o = r.object(raw, path, { required: ['imsic'], optional: ['iommu'] });
      if (o !== undefined && 'iommu' in o) r.text(o.iommu, '.setup.iommu');
      const imsic = o && readImsic(r, o.imsic, '.setup.imsic');
      return (
        imsic &&
        ((w: Write): Outcome =>
          imsicWrite(imsic, w.addr, w.data, w.size, undefined, accessOf(w)) ?? {
            kind: 'memory',
            pa: w.addr,
            data: w.data,
          })
      );
    }
    case 'gicv3-its':
    case 'gicv2m':
    case 'vtd-ir':
    case 'amd-ir':
    case 'x86-compat': {
      const read = {
        'gicv3-its': readItsSetup,
        gicv2m: readV2mSetup,
        'vtd-ir': readVtdSetup,
        'amd-ir': readAmdSetup,
        'x86-compat': readCompatSetup,
      }[arch];
      const p = read(r, raw, path, rid);
      return p && ((w: Write) => deliver(p, w));
    }
    default: {
      const never: never = arch;
      return never;
    }
  }
};

export const hardwareCaseKind: CaseKind<HardwareCase> = {
  parse: (raw) => {
    const r = new Reader();
    const arch = r.oneOf(raw.arch, '.arch', ARCHES);
    if (arch === undefined) return { ok: false, problems: r.problems };
    const write = readWrite(r, raw.write, '.write', arch);
    const run = readSetup(r, arch, raw.setup, write?.rid);
    const expected = readExpected(r, raw.expected, '.expected', arch);
    if (!r.ok || write === undefined || run === undefined || expected === undefined)
      return {
        ok: false,
        problems: r.problems.length > 0 ? r.problems : [{ path: '', problem: 'invalid hardware vector' }],
      };
    return { ok: true, value: { arch, write, expected, deliver: () => run(write) } };
  },
  run: (c) => compare(c.expected, c.deliver()),
};
