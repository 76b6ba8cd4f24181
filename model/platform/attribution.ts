import { hartTarget } from '../hw/riscv-aia/imsic.ts';
import type { Outcome } from '../types/outcome.ts';
import { IMSIC_IPI_ID, X86_FIRST_EXTERNAL_VECTOR, X86_SYSTEM_VECTORS } from './layout.ts';
import { structuralMemo } from './memo.ts';
import type { Irq, State } from './state.ts';

/**
 * Who an interrupt belongs to. `irq` when it lands on an allocated Linux IRQ (or a VM's guest
 * vector); otherwise the owner of the interrupt file / vector space it hit: the host for its IPIs,
 * system vectors, M-level files and unallocated identities; a VM for its own guest files.
 */
export type Attribution =
  | { readonly kind: 'irq'; readonly irq: Irq; readonly owner: string }
  | { readonly kind: 'ipi' | 'system-vector' | 'machine-file' | 'unallocated'; readonly owner: string }
  | { readonly kind: 'guest-file'; readonly owner: string; readonly file: string };

type Interrupt = Extract<Outcome, { kind: 'interrupt' }>;

/** The hardware outcome an IRQ is expected to produce, as a lookup key. */
const key = (controller: string, target: string, file: string | undefined, identity: number): string =>
  `${controller}|${target}|${file ?? ''}|${identity}`;

export const expectedKey = (s: State, q: Irq): string => {
  switch (q.hw.chip) {
    case 'imsic':
      return key('imsic', hartTarget(0, q.hart), q.hw.file, q.hw.eiid);
    case 'its':
      return key('its-lpi', `rd${q.hart}`, undefined, q.hw.lpi);
    case 'v2m':
    case 'mbi':
      return key('gic-spi', 'dist', undefined, q.hw.spi);
    case 'vtd':
    case 'amd':
    case 'lapic':
      return key('lapic', `apic${q.hart}`, undefined, q.hw.vector);
    default: {
      const never: never = q.hw;
      throw new Error(`model inconsistency: ${JSON.stringify(never)} in ${s.design}`);
    }
  }
};

/**
 * An SMI, NMI, INIT or ExtINT carries no vector of an IRQ (Intel SDM vol. 3 "Message Data Register
 * Format"), so its key names the mode and matches no IRQ's; fixed and lowest-priority keys are the vector's.
 */
const nonVectored = (o: Interrupt): boolean =>
  o.deliveryMode !== undefined && o.deliveryMode !== 'fixed' && o.deliveryMode !== 'lowest-priority';

export const outcomeKey = (o: Interrupt): string =>
  nonVectored(o)
    ? `${key(o.controller, o.target, o.file, o.identity)}|${o.deliveryMode}`
    : key(o.controller, o.target, o.file, o.identity);

const irqIndex = structuralMemo((s: State) => new Map(s.irqs.map((q) => [expectedKey(s, q), q] as const)));

const guestFiles = structuralMemo((s: State) => {
  const m = new Map<string, number>();
  for (const [vm, list] of s.vcpus.entries())
    for (const p of list) m.set(`${hartTarget(0, p.hart)}|G${p.hgei}`, vm);
  return m;
});
/** The VM whose vCPU holds guest file `file` of the hart named `target`. */
const guestFileOwner = (s: State, target: string, file: string): number | undefined =>
  guestFiles(s).get(`${target}|${file}`);

/** Attributes an interrupt outcome in state `s`. */
export const attribute = (s: State, o: Interrupt): Attribution => {
  const q = irqIndex(s).get(outcomeKey(o));
  if (q !== undefined) return { kind: 'irq', irq: q, owner: q.owner };
  if (o.controller === 'imsic') {
    if (o.file === 'M') return { kind: 'machine-file', owner: 'host' };
    if (o.file === 'S') return { kind: o.identity === IMSIC_IPI_ID ? 'ipi' : 'unallocated', owner: 'host' };
    // A guest file belongs to the VM whose vCPU holds it on that hart (State.vcpus); a free one to nobody but the host.
    // Stryker disable next-line StringLiteral: guest-file keys all end in "|G<hgei>", so a file-less key matches none whatever the fallback string
    const vm = guestFileOwner(s, o.target, o.file ?? '');
    if (vm !== undefined) return { kind: 'guest-file', owner: `vm:${vm}`, file: o.file ?? '' };
    return { kind: 'unallocated', owner: 'host' };
  }
  // The host's own: an SMI / NMI / INIT / ExtINT, an exception vector (below FIRST_EXTERNAL_VECTOR,
  // arch/x86/include/asm/irq_vectors.h), an IPI vector.
  if (
    o.controller === 'lapic' &&
    (nonVectored(o) ||
      o.identity < X86_FIRST_EXTERNAL_VECTOR ||
      Object.values(X86_SYSTEM_VECTORS).includes(o.identity as 0xfd))
  ) {
    return { kind: 'system-vector', owner: 'host' };
  }
  return { kind: 'unallocated', owner: 'host' };
};
