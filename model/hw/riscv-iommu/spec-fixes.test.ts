import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Hop } from '../../types/hop.ts';
import type { Access, PageEntry } from '../../types/page-map.ts';
import type { Write } from '../../types/write.ts';
import { type ImsicConfig, imsicWrite } from '../riscv-aia/imsic.ts';
import type { RiscvIommuConfig } from './config.ts';
import type { MsiPte } from './msi-pte.ts';
import { riscvIommuTranslate } from './translate.ts';

/*
 * The conformance cases of spec/conformance/riscv-iommu-spec-fixes.json (the v1.0 msi_addr_mask
 * reservation, reserved W-without-R leaves, the MRIF rule), checked two ways until `msispec
 * conform` exists: each case is validated against the hardware-vector format (strict schemas of the
 * members these cases use; anything else is rejected, not ignored), then built into the model and
 * run through the RISC-V IOMMU block, and the result compared with `expected` as the runner
 * contract says: `kind` first, then every other member in file order except `reason` and
 * `cause_name`, hex values by value.
 */
const FILE = new URL('../../../spec/conformance/riscv-iommu-spec-fixes.json', import.meta.url);

const hex = z.string().regex(/^0x[0-9a-fA-F]+$/);
const bit = z.union([z.literal(0), z.literal(1)]);
const annotation = z.string();
const G_MODES = ['Bare', 'Sv32x4', 'Sv39x4', 'Sv48x4', 'Sv57x4'] as const;
const FS_MODES = ['Bare', 'Sv32', 'Sv39', 'Sv48', 'Sv57'] as const;
const TC_BITS = [
  'V',
  'EN_ATS',
  'EN_PRI',
  'T2GPA',
  'DTF',
  'PDTV',
  'PRPR',
  'GADE',
  'SADE',
  'DPE',
  'SBE',
  'SXL',
] as const;

const MsiPteEntry = z.union([
  z
    .object({
      V: bit,
      C: bit.optional(),
      M: z.number().int().min(0).max(3).optional(),
      PPN: hex.optional(),
      MRIF_Address: hex.optional(),
      NPPN: hex.optional(),
      NID: hex.optional(),
      dw0_reserved_bits: z.array(z.number().int().min(0).max(63)).optional(),
      dw1: hex.optional(),
      raw: z.tuple([hex, hex]).optional(),
      note: z.string().optional(),
    })
    .strict(),
  z.object({ read_fault: z.string() }).strict(),
]);
const ImsicSetup = z
  .object({
    groups: z.number().int().min(1),
    group_index_bits: z.number().int().min(0).max(7),
    group_index_shift: z.number().int().min(24).optional(),
    hart_index_bits: z.number().int().min(0).max(15),
    m_region: z.object({ base: hex, hart_stride_log2: z.number().int() }).strict(),
    s_region: z.object({ base: hex, hart_stride_log2: z.number().int() }).strict(),
    harts: z.array(
      z
        .object({
          group: z.number().int(),
          hart: z.number().int(),
          GEILEN: z.number().int().min(0).max(63),
          N_M: z.number().int(),
          N_S: z.number().int(),
          N_guest: z.number().int().optional(),
        })
        .strict(),
    ),
    big_endian_msi_supported: z.boolean().optional(),
    formulas: z.string().optional(),
  })
  .strict();
const Perms = { R: bit, W: bit, X: bit, U: bit };
const GMapping = z.object({ gpa: hex, pa: hex, ...Perms }).strict();
const FMapping = z.object({ iova: hex, gpa: hex, ...Perms }).strict();
const HexOrInt = z.union([hex, z.number().int()]);
const Expected = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('memory'),
      pa: hex,
      data: hex,
      interrupt_file_number: z.number().int().optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('interrupt'),
      controller: z.literal('mrif'),
      mrif_address: hex,
      identity: HexOrInt,
      pending_bit: z
        .object({ doubleword_address: hex, bit: z.number().int().min(0).max(63) })
        .strict()
        .optional(),
      notice_msi: z
        .object({ pa: hex, data: hex, endianness: z.enum(['little', 'big']) })
        .strict()
        .optional(),
    })
    .strict(),
  z.object({ kind: z.literal('dropped'), reason: z.string() }).strict(),
  z
    .object({
      kind: z.literal('fault'),
      cause: z.number().int(),
      cause_name: z.string(),
      cause_hex: hex.optional(),
    })
    .strict(),
]);
const Case = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9_.-]+$/),
    arch: z.literal('riscv-iommu'),
    source: z.string().regex(/^[\w.-]+\/[\w.-]+(@[0-9a-f]{40})? \S/),
    derived: z.boolean(),
    notes: z.string().optional(),
    setup: z
      .object({
        iommu: z
          .object({
            capabilities: z.record(z.string(), z.number().int()),
            ddtp_mode: z.enum(['Off', 'Bare', '1LVL', '2LVL', '3LVL']),
            fctl_be: bit.optional(),
            spec_revision: z.enum(['20260222', 'v1.0']).optional(),
          })
          .strict(),
        device_context: z
          .object({
            device_id: hex,
            tc: z.partialRecord(z.enum(TC_BITS), bit).refine((tc) => tc.V !== undefined, 'tc.V is required'),
            iohgatp: z.object({ mode: z.enum(G_MODES), gscid: hex, mappings: z.array(GMapping) }).strict(),
            first_stage: z.object({ mode: z.enum(FS_MODES), mappings: z.array(FMapping) }).strict(),
            msiptp: z
              .object({ mode: z.string().regex(/^(Off|Flat|([2-9]|1[0-5]))( \(.*\))?$/), ppn: hex })
              .strict(),
            msi_addr_mask: hex,
            msi_addr_pattern: hex,
          })
          .strict(),
        msi_pte: z.record(z.string().regex(/^(0|[1-9][0-9]*)$/), MsiPteEntry),
        imsic: ImsicSetup.optional(),
      })
      .strict(),
    write: z
      .object({
        requester_id: hex,
        address: hex,
        data: hex,
        size: z.number().int().min(1),
        access: z
          .string()
          .regex(/^((untranslated|translated) )?(read|write|exec|read-for-execute)( \(.*\))?$/)
          .optional(),
      })
      .strict(),
    expected: Expected,
  })
  .catchall(annotation);
type Case = z.infer<typeof Case>;

const raw: unknown = JSON.parse(readFileSync(FILE, 'utf8'));
const cases = z.array(Case).min(1).parse(raw);

const big = (h: string): bigint => BigInt(h);
const setBits = (x: bigint, hi: number, lo: number, v: bigint): bigint => {
  const m = ((1n << BigInt(hi - lo + 1)) - 1n) << BigInt(lo);
  return (x & ~m) | ((v << BigInt(lo)) & m);
};
/** The 16-byte PTE the format builds: raw, then each named field over its bit range, then dw0_reserved_bits. */
const msiPteOf = (e: Extract<z.infer<typeof MsiPteEntry>, { V: 0 | 1 }>): MsiPte => {
  let [dw0, dw1] = (e.raw ?? ['0x0', '0x0']).map(big) as [bigint, bigint];
  dw0 = setBits(dw0, 0, 0, BigInt(e.V));
  if (e.M !== undefined) dw0 = setBits(dw0, 2, 1, BigInt(e.M));
  if (e.C !== undefined) dw0 = setBits(dw0, 63, 63, BigInt(e.C));
  if (e.PPN !== undefined) dw0 = setBits(dw0, 53, 10, big(e.PPN));
  if (e.MRIF_Address !== undefined) dw0 = setBits(dw0, 53, 7, big(e.MRIF_Address) >> 9n);
  if (e.dw1 !== undefined) dw1 = big(e.dw1);
  if (e.NPPN !== undefined) dw1 = setBits(dw1, 53, 10, big(e.NPPN));
  if (e.NID !== undefined) {
    dw1 = setBits(dw1, 9, 0, big(e.NID) & 0x3ffn);
    dw1 = setBits(dw1, 60, 60, big(e.NID) >> 10n);
  }
  for (const b of e.dw0_reserved_bits ?? []) dw0 |= 1n << BigInt(b);
  return { dw0, dw1 };
};

/** Leaf maps from [input, output, permissions] triples (one 4 KiB leaf each). */
const leaves = (ms: readonly (readonly [string, string, { R: 0 | 1; W: 0 | 1; X: 0 | 1; U: 0 | 1 }])[]) =>
  new Map(
    ms.map(([from, to, p]): [bigint, PageEntry] => {
      // Device requests are user-level for the G-stage and without supervisor privilege for the
      // first stage; U = 0 would fault, which the model's page maps (no U bit) cannot express.
      if (p.U !== 1) throw new Error('unsupported: U = 0 leaf');
      return [big(from) >> 12n, { ppn: big(to) >> 12n, r: p.R === 1, w: p.W === 1, x: p.X === 1 }];
    }),
  );

const WIDEST_G = ['Sv57x4', 'Sv48x4', 'Sv39x4', 'Sv32x4'] as const;

/** The model's IOMMU configuration, IMSICs, write and access type for a case. */
const build = (k: Case) => {
  const { iommu, device_context: d, msi_pte, imsic } = k.setup;
  if ((iommu.fctl_be ?? 0) !== 0) throw new Error('unsupported: fctl_be');
  const tcOther = Object.entries(d.tc).filter(([n, v]) => n !== 'V' && n !== 'PDTV' && v !== 0);
  if (tcOther.length > 0) throw new Error(`unsupported: tc.${tcOther[0]?.[0]}`);
  const mode = d.msiptp.mode.split(' (')[0] ?? '';
  const ppn = big(d.msiptp.ppn);
  const ptes = new Map<bigint, MsiPte>();
  const accessFault = new Set<bigint>();
  for (const [i, e] of Object.entries(msi_pte)) {
    const at = (ppn << 12n) | (BigInt(i) * 16n);
    if ('read_fault' in e) accessFault.add(at);
    else ptes.set(at, msiPteOf(e));
  }
  const cap = (n: string) => iommu.capabilities[n] ?? 0;
  const config: RiscvIommuConfig = {
    specVersion: iommu.spec_revision === 'v1.0' ? 'v1.0' : '20260222',
    capabilities: {
      MSI_FLAT: cap('MSI_FLAT') === 1,
      MSI_MRIF: cap('MSI_MRIF') === 1,
      PAS: cap('PAS'),
      gStage: WIDEST_G.find((m) => cap(m) === 1) ?? 'Bare',
    },
    ddtp: { iommu_mode: iommu.ddtp_mode === 'Off' || iommu.ddtp_mode === 'Bare' ? iommu.ddtp_mode : 'DDT' },
    ddt: new Map([
      [
        Number(big(d.device_id)),
        {
          tc: { V: d.tc.V === 1, PDTV: d.tc.PDTV === 1 },
          iohgatp: {
            MODE: d.iohgatp.mode,
            GSCID: Number(big(d.iohgatp.gscid)),
            pages: leaves(d.iohgatp.mappings.map((m) => [m.gpa, m.pa, m] as const)),
          },
          fsc: {
            MODE: d.first_stage.mode,
            pages: leaves(d.first_stage.mappings.map((m) => [m.iova, m.gpa, m] as const)),
          },
          msiptp: { MODE: mode === 'Off' ? 0 : mode === 'Flat' ? 1 : Number(mode), PPN: ppn },
          msi_addr_mask: big(d.msi_addr_mask),
          msi_addr_pattern: big(d.msi_addr_pattern),
        },
      ],
    ]),
    msiPtes: ptes,
    // AIA "MSI PTE, MRIF mode": big-endian MRIF stores exactly when the IMSICs take big-endian MSIs.
    mrifBigEndian: imsic?.big_endian_msi_supported === true,
    accessFault,
    poisoned: new Set(),
  };
  const imsics: ImsicConfig | undefined =
    imsic === undefined
      ? undefined
      : {
          mBase: big(imsic.m_region.base),
          sBase: big(imsic.s_region.base),
          mHartShift: imsic.m_region.hart_stride_log2,
          guestIndexBits: imsic.s_region.hart_stride_log2 - 12,
          hartIndexBits: imsic.hart_index_bits,
          groupIndexBits: imsic.group_index_bits,
          groupIndexShift: imsic.group_index_shift ?? 24,
          beMsi: imsic.big_endian_msi_supported === true,
          harts: imsic.harts.map((h) => ({
            group: h.group,
            hart: h.hart,
            mIds: h.N_M,
            sIds: h.N_S,
            guestIds: h.N_guest ?? 63,
            geilen: h.GEILEN,
          })),
        };
  const size = k.write.size;
  if (size !== 1 && size !== 2 && size !== 4 && size !== 8) throw new Error(`unsupported: size ${size}`);
  const write: Write = {
    rid: Number(big(k.write.requester_id)),
    addr: big(k.write.address),
    data: Number(big(k.write.data)),
    size,
  };
  const kind = k.write.access?.split(' (')[0]?.replace(/^untranslated /, '') ?? 'write';
  if (kind.startsWith('translated')) throw new Error('unsupported: translated request');
  const access: Access = kind === 'read' ? 'read' : kind === 'write' ? 'write' : 'exec';
  return { config, imsics, write, access };
};

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };
const h = (x: bigint | number): string => `0x${x.toString(16)}`;

/** The model's outcome for a case, in the format's `expected` terms. */
const observe = (k: Case): Record<string, Json> => {
  const { config, imsics, write, access } = build(k);
  const trace: Hop[] = [];
  const r = riscvIommuTranslate(config, write, access, trace);
  switch (r.kind) {
    case 'pa': {
      const o = imsics === undefined ? undefined : imsicWrite(imsics, r.pa, write.data, write.size, trace);
      if (o === undefined || o.kind === 'memory') {
        const basic = trace.find((x) => x.step === 'msi-pte-basic');
        return {
          kind: 'memory',
          pa: h(r.pa),
          data: h(write.data),
          ...(basic === undefined ? {} : { interrupt_file_number: Number(basic.facts.file) }),
        };
      }
      if (o.kind === 'interrupt') {
        const [g, hart] = o.target.split('.');
        return {
          kind: 'interrupt',
          controller: o.controller,
          target: `group${g}.hart${hart}`,
          file: o.file ?? null,
          identity: o.identity,
        };
      }
      return o.kind === 'dropped' ? { kind: 'dropped' } : { kind: 'fault', cause: o.code };
    }
    case 'mrif':
      return {
        kind: 'interrupt',
        controller: 'mrif',
        mrif_address: h(r.mrifAddr),
        identity: r.identity,
        pending_bit: {
          doubleword_address: h(r.mrifAddr + BigInt(r.identity >> 6) * 16n),
          bit: r.identity & 63,
        },
        notice_msi: { pa: h(r.nppn << 12n), data: h(r.nid), endianness: 'little' },
      };
    case 'outcome': {
      const o = r.outcome;
      if (o.kind === 'fault') return { kind: 'fault', cause: o.code };
      if (o.kind === 'dropped') return { kind: 'dropped' };
      throw new Error(`the IOMMU block returned ${o.kind}`);
    }
    default: {
      const never: never = r;
      throw new Error(`unknown result ${String(never)}`);
    }
  }
};

const isHex = (v: Json): v is string => typeof v === 'string' && /^0x[0-9a-fA-F]+$/.test(v);
/** The first member of `expected` (kind first, then file order; not reason/cause_name) that `got` differs in. */
const firstDifference = (
  expected: Record<string, Json>,
  got: Record<string, Json>,
  path = 'expected',
): string | undefined => {
  const keys = ['kind', ...Object.keys(expected).filter((n) => n !== 'kind')].filter((n) => n in expected);
  for (const n of keys) {
    if (n === 'reason' || n === 'cause_name') continue;
    const e = expected[n] as Json;
    const g = got[n];
    const at = `${path}.${n}`;
    if (e !== null && typeof e === 'object' && !Array.isArray(e)) {
      if (g === null || typeof g !== 'object' || Array.isArray(g))
        return `${at}: expected ${JSON.stringify(e)} got ${JSON.stringify(g)}`;
      const d = firstDifference(e, g, at);
      if (d !== undefined) return d;
    } else if (isHex(e) || isHex(g ?? null)) {
      if (!isHex(g ?? null) || !isHex(e) || BigInt(e) !== BigInt(g as string))
        return `${at}: expected ${JSON.stringify(e)} got ${JSON.stringify(g)}`;
    } else if (e !== g) return `${at}: expected ${JSON.stringify(e)} got ${JSON.stringify(g)}`;
  }
  return undefined;
};

describe('spec/conformance/riscv-iommu-spec-fixes.json (hardware vectors; IOMMU spec [[MSI_ID]], [[P2IOVA]]; Privileged spec [[sv32algorithm]]; AIA [[IOMMU-MSIPTE-MRIF]])', () => {
  it('is a well-formed file of riscv-iommu hardware vectors with unique ids', () => {
    const ids = cases.map((k) => k.id);
    expect(new Set(ids).size).toBe(ids.length);
    // A v1.0 vector names the revision that introduced the reservation it is not subject to.
    for (const k of cases.filter((c) => c.setup.iommu.spec_revision === 'v1.0' && c.id.includes('mask')))
      expect(String(k.spec_version), k.id).toContain('3d1b810721a1df749eeec7ec2e63f55fee6e98b2');
  });
  it.each(cases.map((k) => [k.id, k] as const))('%s: the model gives the expected outcome', (_, k) => {
    expect(firstDifference(k.expected as Record<string, Json>, observe(k))).toBeUndefined();
  });
});
