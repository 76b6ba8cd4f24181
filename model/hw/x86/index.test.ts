import { describe, expect, it } from 'vitest';
import type { Hop } from '../../types/hop.ts';
import { rw } from '../../types/page-map.ts';
import { write32 } from '../../types/write.ts';
import { VTD_FR_IR_SID_ERR } from './causes.ts';
import { deliverX86, parseX86Platform, type X86Platform } from './index.ts';

/** DMA maps for rid 0x0100 that cover the window page 0xFEE00 itself, as a decoy. */
const decoyDma = new Map([
  [0x0100, { mode: 'translate' as const, map: new Map([[0xfee00n, rw(0x5_0000n)]]) }],
]);

const vtd: X86Platform = {
  arch: 'x86',
  ir: {
    kind: 'vtd',
    ires: true,
    cfis: false,
    eime: false,
    irtSize: 8,
    irt: new Map([
      [
        0,
        {
          present: true,
          fpd: false,
          vector: 0x40,
          dest: 0x100,
          im: 0,
          svt: 1,
          sq: 0,
          sid: 0x0100,
          reservedSet: false,
        },
      ],
    ]),
  },
  dma: decoyDma,
};
const none: X86Platform = { arch: 'x86', ir: { kind: 'none' }, dma: decoyDma };
const amd: X86Platform = {
  arch: 'x86',
  ir: {
    kind: 'amd',
    devices: new Map([
      [0x0100, { iv: true, intCtl: 2, irt: new Map(), pass: { nmi: false, init: false, extint: false } }],
    ]),
  },
  dma: decoyDma,
};

describe('deliverX86 (docs/hardware.md#x86-interrupt-window: IR region overlays DMA at priority 1)', () => {
  it('never DMA-translates a window write, even when the requester maps that IOVA (VT-d, AMD, no IR)', () => {
    for (const p of [vtd, amd, none]) {
      const trace: Hop[] = [];
      const o = deliverX86(p, write32(0x0100, 0xfee0_0010n, 0), trace);
      expect(o.kind).not.toBe('memory');
      expect(trace.some((h) => h.block === 'x86-dma')).toBe(false);
    }
  });

  it('remaps a VT-d window write from the IRTE owner, and faults 0x26 for another requester', () => {
    expect(deliverX86(vtd, write32(0x0100, 0xfee0_0010n, 0))).toMatchObject({
      target: 'apic1',
      identity: 0x40,
    });
    expect(deliverX86(vtd, write32(0x0200, 0xfee0_0010n, 0))).toMatchObject({
      cause: VTD_FR_IR_SID_ERR.name,
    });
  });

  it('DMA-translates writes outside the window for the requester', () => {
    const p: X86Platform = {
      ...vtd,
      dma: new Map([[0x0100, { mode: 'translate', map: new Map([[0x1n, rw(0x2n)]]) }]]),
    };
    expect(deliverX86(p, write32(0x0100, 0x1_008n, 9))).toEqual({ kind: 'memory', pa: 0x2_008n, data: 9 });
  });

  it('without IR any requester reaches any (APIC, vector) in compatibility format (docs/hardware.md#x86-without-interrupt-remapping)', () => {
    for (const rid of [0x0000, 0x0100, 0xffff]) {
      for (const [apic, vector] of [
        [0, 0x12],
        [17, 0x80],
        [255, 0xff],
      ] as const) {
        const addr = 0xfee0_0000n | (BigInt(apic) << 12n);
        expect(deliverX86(none, write32(rid, addr, vector))).toEqual({
          kind: 'interrupt',
          controller: 'lapic',
          target: `apic${apic}`,
          identity: vector,
        });
      }
    }
  });

  it('without IR the data picks the delivery mode: NMI, INIT, SMI and ExtINT reach the APIC from any requester; reserved modes and illegal vectors raise nothing (Intel SDM vol. 3 "Message Data Register Format", "Error Handling")', () => {
    const addr = 0xfee0_1000n;
    const mode = (data: number) => deliverX86(none, write32(0x0100, addr, data));
    expect(mode(0x0400)).toMatchObject({ kind: 'interrupt', target: 'apic1', deliveryMode: 'nmi' });
    expect(mode(0x0500)).toMatchObject({ kind: 'interrupt', deliveryMode: 'init' });
    expect(mode(0x0200)).toMatchObject({ kind: 'interrupt', deliveryMode: 'smi' });
    expect(mode(0x0700)).toMatchObject({ kind: 'interrupt', deliveryMode: 'extint' });
    expect(mode(0x0130)).toMatchObject({
      kind: 'interrupt',
      identity: 0x30,
      deliveryMode: 'lowest-priority',
    });
    expect(mode(0x0300)).toEqual({ kind: 'dropped', reason: 'lapic-reserved-delivery-mode' });
    expect(mode(0x0600)).toEqual({ kind: 'dropped', reason: 'lapic-reserved-delivery-mode' });
    expect(mode(0x000f)).toEqual({ kind: 'dropped', reason: 'lapic-illegal-vector' });
    // exception vectors 16-31 are legal: vector 18 (#MC) is accepted like any other
    expect(mode(0x0012)).toEqual({ kind: 'interrupt', controller: 'lapic', target: 'apic1', identity: 0x12 });
  });

  it('names DMA faults after AMD-Vi on an AMD platform and after VT-d otherwise', () => {
    expect(deliverX86(amd, write32(0x0300, 0x1000n, 0))).toMatchObject({ arch: 'amd-vi' });
    expect(deliverX86(none, write32(0x0300, 0x1000n, 0))).toMatchObject({ arch: 'vtd' });
  });

  it('parseX86Platform accepts a valid platform and rejects an unknown ir.kind with its path', () => {
    expect(parseX86Platform(vtd).ok).toBe(true);
    const r = parseX86Platform({ arch: 'x86', ir: { kind: 'smmu' }, dma: new Map() });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.path).toBe('$.ir.kind');
  });
});
