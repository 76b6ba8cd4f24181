import {
  IMSIC_GUEST_INDEX_BITS,
  IMSIC_IDS,
  IMSIC_IPI_ID,
  IMSIC_MSI_MASK,
  IMSIC_MSI_PATTERN,
  ITS_DOORBELL,
  imsicPage,
  LPI_BASE,
  MBI_DOORBELL,
  MBI_FIRST_SPI,
  MBI_NUM_SPIS,
  MSI_PT_PPN,
  SW_MSI_BASE,
  SW_MSI_LENGTH,
  V2M_DOORBELL,
  V2M_FIRST_SPI,
  V2M_NUM_SPIS,
  vmGuestFile,
  X86_MSI_BASE,
  X86_MSI_LENGTH,
  X86_SYSTEM_VECTORS,
} from '../../model/platform/layout.ts';
import type { Hop } from '../../model/types/hop.ts';
import { STRENGTH_SCOPE, type Strength, strengthText } from '../../properties/strength.ts';
import { INVARIANT_IDS, type InvariantId } from '../../spec/invariants/types.ts';
import { WITNESS_CLASS_TEXT, WITNESS_CLASSES, witnessClass } from '../../spec/invariants/witness-class.ts';
import type { Witness } from '../../spec/invariants/witness-schema.ts';
import type { Expected } from '../../spec/verdicts.ts';
import type { ReportData, Snapshot, TraceRow } from './data.ts';
import {
  type Block,
  b,
  cite,
  code,
  type Diagram,
  type Doc,
  type Inline,
  m,
  plain,
  type Text,
  txt,
} from './doc.ts';
import {
  blockName,
  fileText,
  hartText,
  hopCitation,
  hopLabel,
  hopSentence,
  opText,
  outcomeText,
  ownerText,
  resultText,
} from './hops.ts';

const hx = (n: bigint | number): string => `0x${n.toString(16)}`;
const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

const bdfOf = (d: ReportData, device: number): string =>
  d.topology.devices[device]?.bdf ?? `device ${device}`;
const groupOfDevice = (d: ReportData, device: number): number | undefined =>
  d.topology.devices[device]?.group;
const finalGroups = (d: ReportData): TraceRow['groups'] =>
  d.trace[d.trace.length - 1]?.groups ?? d.boot.groups;

/** "00:01.0 (group 0, VFIO userspace ctx 0)": a device with its group and that group's final owner. */
const deviceWho = (d: ReportData, device: number): string => {
  const g = groupOfDevice(d, device);
  const owner = finalGroups(d).find((x) => x.group === g)?.owner ?? 'host';
  return `${bdfOf(d, device)} (group ${g ?? '?'}, ${ownerText(owner)})`;
};

// ── Verdict, invariant, design ────────────────────────────────────────────────────────────────

const verdictBlocks = (d: ReportData, verdict: Expected): Block[] => {
  const c = d.counterexample;
  const out: Block[] = [];
  const accept = `npx msispec accept ${d.invariant.id}/${d.design.id}`;
  if (verdict.verdict === 'unreviewed') {
    out.push({
      kind: 'p',
      text: [
        b(...m('Verdict:')),
        { t: 'mark', tone: 'bad', v: m(' violated — **new**') },
        ...m(
          `: \`spec/verdicts.json\` has no verdict for this pair yet. Found by a run on ${c.date}; once read, record it with \`${accept}\`.`,
        ),
      ],
    });
  } else if (c.status === 'expected' && verdict.verdict === 'violated') {
    out.push({
      kind: 'p',
      text: [
        b(...m('Verdict:')),
        { t: 'text', v: ' ' },
        { t: 'mark', tone: 'bad', v: m('violated') },
        ...m(', as recorded in `spec/verdicts.json`. '),
        ...txt(sentence(verdict.note)),
      ],
    });
  } else {
    const expected = verdict.verdict === 'violated' ? 'violated' : verdict.verdict;
    out.push({
      kind: 'p',
      text: [
        b(...m('Verdict:')),
        { t: 'mark', tone: 'bad', v: m(` violated — ${c.status === 'new' ? '**new**' : c.status}`) },
        ...m(`: \`spec/verdicts.json\` records ${expected}`),
        ...(verdict.verdict === 'n/a' ? txt(` (${verdict.reason})`) : []),
        ...m(`. Found by a run on ${c.date}; once read, record it with \`${accept}\`.`),
      ],
    });
  }
  if (!d.reproduces) {
    out.push({
      kind: 'p',
      text: m(
        `**Warning:** replaying this file with today's model no longer gives a \`${d.witness.kind}\` violation of ${d.invariant.id}; the trace below is today's replay, the witness is the stored one.`,
      ),
    });
  }
  return out;
};

/** Ends a note from the verdict table with a full stop. */
const sentence = (s: string): string => (/[.!?]$/.test(s) ? s : `${s}.`);

const invariantBlocks = (d: ReportData): Block[] => [
  {
    kind: 'p',
    text: [
      b(...txt(`Invariant — ${d.invariant.title}.`)),
      { t: 'text', v: ' ' },
      ...txt(d.invariant.statement),
    ],
  },
];

const designBlocks = (d: ReportData): Block[] => [
  {
    kind: 'p',
    text: [b(...txt(`Design — ${d.design.title}.`)), { t: 'text', v: ' ' }, ...txt(d.design.summary)],
  },
  {
    kind: 'p',
    text: m(
      `Claims \`IRQ_DOMAIN_FLAG_ISOLATED_MSI\`: **${d.design.policy.isolatedMsiClaim ? 'yes' : 'no'}**. What its authors say it provides:`,
    ),
  },
  { kind: 'ul', items: d.design.claims.statements.map((x) => txt(x)) },
  { kind: 'p', text: m('Sources:') },
  {
    kind: 'ul',
    items: d.design.sources.map((x) => [...txt(x.ref), { t: 'text', v: ' — ' }, ...txt(x.says)]),
  },
];

/** An address inside the x86 interrupt window 0xFEE00000–0xFEEFFFFF. */
const isWindow = (addr: string): boolean => {
  const a = BigInt(addr);
  return a >= X86_MSI_BASE && a < X86_MSI_BASE + X86_MSI_LENGTH;
};

// ── Minimal platform ──────────────────────────────────────────────────────────────────────────

/** How a nesting design's guest S1 meets the host S2 (policy.nestedGuest, guestRmr, guestDomain). */
const nestingText = (p: ReportData['design']['policy']): string => {
  if (p.nestedGuest === 'none') return '';
  const guest = p.guestDomain === 'vfio' ? "the guest's own VFIO domain" : "the guest's DMA default domain";
  const how =
    p.nestedGuest === 'rmr'
      ? `doorbell RMR published, the guest treats it as ${p.guestRmr ?? 'DIRECT'}`
      : p.nestedGuest === 'vmm-ipa'
        ? "no RMR; the VMM names the doorbell IPA and the host programs the guest's MSI IOVA"
        : 'doorbell RMR not published';
  return `, nested (guest S1 over host S2; ${how}; ${guest})`;
};

const platformRows = (d: ReportData): Text[][] => {
  const hw = d.design.hardware;
  const harts = d.topology.harts;
  const cpu = hw.arch === 'riscv' ? 'hart' : hw.arch === 'x86' ? 'CPU (APIC ID)' : 'CPU';
  const rows: Text[][] = [
    [m(`${cpu}s`), m(harts === 1 ? `1 (${cpu} 0)` : `${harts} (${cpu}s 0–${harts - 1})`)],
  ];
  switch (hw.arch) {
    case 'riscv': {
      const files = Array.from(
        { length: harts },
        (_, h) => `hart ${h} \`${hx(imsicPage(harts, h, 'S') << 12n)}\``,
      );
      rows.push([
        m('MSI target'),
        m(
          `IMSIC S-files: ${files.join(', ')}; identities 1..${IMSIC_IDS} each, identity ${IMSIC_IPI_ID} is the IPI`,
        ),
      ]);
      if (d.topology.vms > 0) {
        const vms = Array.from(
          { length: d.topology.vms },
          (_, v) => `VM ${v} uses guest file ${vmGuestFile(v)} of every hart`,
        );
        rows.push([m('guest files'), m(vms.join('; '))]);
      }
      if (d.design.policy.doorbells.startsWith('msi-table')) {
        rows.push([
          m('MSI page table'),
          m(
            `per iommu_domain (\`msi_root\`, RFC v2 patch 08): \`msiptp.PPN\` \`${hx(MSI_PT_PPN)}\` + domain id, \`msi_addr_mask\` \`${hx(IMSIC_MSI_MASK)}\`, \`msi_addr_pattern\` \`${hx(IMSIC_MSI_PATTERN)}\`: interrupt file I = hart × ${1 << IMSIC_GUEST_INDEX_BITS} + guest index${hw.specVersion === 'v1.0' ? '' : '; programmed only with a G-stage (spec 20260222)'}${d.design.policy.doorbells === 'msi-table-userspace-window' ? '; a domain whose VMM supplied an MSI window (`iommufd_hwpt_set_msi_window`) decodes that window instead, one PTE per vCPU' : ''}`,
          ),
        ]);
      }
      rows.push([
        m('IOMMU'),
        m(
          `RISC-V IOMMU, spec ${hw.specVersion}, \`MSI_FLAT\` ${hw.msiFlat ? 'yes' : 'no'}; paging domains use the ${d.design.policy.pagingStage === 's1' ? 'first stage' : 'G-stage'}`,
        ),
      ]);
      break;
    }
    case 'arm':
      rows.push([
        m('MSI target'),
        hw.irqchip === 'gicv3-its'
          ? m(`GICv3 ITS, \`GITS_TRANSLATER\` at PA \`${hx(ITS_DOORBELL)}\`; LPIs from ${LPI_BASE}`)
          : hw.irqchip === 'gicv3-mbi'
            ? m(
                `GICv3 MBI, \`GICD_SETSPI_NSR\` at PA \`${hx(MBI_DOORBELL)}\` in the distributor frame; SPIs ${MBI_FIRST_SPI}–${MBI_FIRST_SPI + MBI_NUM_SPIS - 1}`,
              )
            : m(
                `GICv2m, \`MSI_SETSPI_NS\` at PA \`${hx(V2M_DOORBELL)}\`; SPIs ${V2M_FIRST_SPI}–${V2M_FIRST_SPI + V2M_NUM_SPIS - 1}`,
              ),
      ]);
      rows.push([
        m('IOMMU'),
        m(
          `SMMUv3${nestingText(d.design.policy)}; SW_MSI window \`${hx(SW_MSI_BASE)}\`+\`${hx(SW_MSI_LENGTH)}\``,
        ),
      ]);
      break;
    case 'x86':
      rows.push([
        m('MSI target'),
        m(
          `interrupt window \`${hx(X86_MSI_BASE)}\`–\`${hx(X86_MSI_BASE + X86_MSI_LENGTH - 1n)}\` → local APICs`,
        ),
      ]);
      rows.push([
        m('IOMMU'),
        m(
          hw.ir === 'vtd'
            ? `VT-d interrupt remapping; source-id check ${hw.vtdSourceIdCheck ? (hw.vtdSameBusDmaAliases === true ? '**bus only** (SVT=2)' : 'on') : '**off**'}; compatibility format ${hw.compatFormatBlocked ? 'blocked' : '**allowed**'}`
            : hw.ir === 'amd'
              ? 'AMD-Vi interrupt remapping, one interrupt table per DeviceID'
              : '**no interrupt remapping**',
        ),
      ]);
      break;
    default: {
      const never: never = hw;
      return never;
    }
  }
  const p = d.design.policy;
  rows.push([
    m('kernel policy'),
    m(
      `default domain ${p.defaultDomain.toUpperCase()}; MSI region \`${p.msiRegion}\`; doorbells \`${p.doorbells}\`; MSI IOVAs \`${p.msiIova}\`; \`ISOLATED_MSI\` ${p.isolatedMsiClaim ? 'claimed' : 'not claimed'}`,
    ),
  ]);
  return rows;
};

const deviceTable = (d: ReportData): Block => {
  const groups = finalGroups(d);
  return {
    kind: 'table',
    head: [
      m('device'),
      m('RID'),
      m('group'),
      m('vectors'),
      m('firmware regions'),
      m('regions reported'),
      m('final owner'),
    ],
    rows: d.devices.map((dv) => {
      const g = groups.find((x) => x.group === dv.group);
      const owner =
        g === undefined
          ? '?'
          : `${ownerText(g.owner)}, ${g.domain} domain${g.owner !== 'host' ? (g.isolated ? ', judged isolated' : ', not judged isolated') : ''}`;
      return [
        [code(dv.bdf)],
        m(hx(dv.rid)),
        m(String(dv.group)),
        m(String(dv.vectors)),
        m(
          dv.firmware.length === 0
            ? 'none'
            : dv.firmware.map((f) => (f === 'direct' ? 'DIRECT' : 'DIRECT_RELAXABLE')).join(', '),
        ),
        m(
          dv.regions.length === 0
            ? 'none'
            : dv.regions.map((r) => `${r.type} \`${r.start}\`+\`${r.length}\``).join(', '),
        ),
        m(owner),
      ];
    }),
  };
};

// ── Trace ─────────────────────────────────────────────────────────────────────────────────────

type IrqRow = TraceRow['irqs'][number];
const irqHw = (q: IrqRow): string => `${q.hw}; message \`${q.addr}\` / \`${hx(q.data)}\``;

/** What an op changed: IRQs new, moved or freed; groups that changed owner or domain. */
const changes = (d: ReportData, before: Snapshot, after: TraceRow): string[] => {
  const out: string[] = [];
  for (const q of after.irqs) {
    const p = before.irqs.find((x) => x.irq === q.irq);
    if (p === undefined)
      out.push(`new IRQ ${q.irq} of ${bdfOf(d, q.device)} (${ownerText(q.owner)}): ${irqHw(q)}`);
    else if (p.hw !== q.hw || p.addr !== q.addr || p.data !== q.data || p.hart !== q.hart)
      out.push(`IRQ ${q.irq} moved to ${irqHw(q)}`);
  }
  for (const p of before.irqs) if (!after.irqs.some((q) => q.irq === p.irq)) out.push(`IRQ ${p.irq} freed`);
  const pte = (e: Snapshot['msiPtes'][number]) => `MSI PTE ${e.file} of ${bdfOf(d, e.device)}`;
  for (const e of after.msiPtes) {
    const p = before.msiPtes.find((x) => x.device === e.device && x.file === e.file);
    if (p === undefined || p.page !== e.page) out.push(`${pte(e)} → page \`${e.page}\``);
  }
  for (const p of before.msiPtes) {
    if (!after.msiPtes.some((e) => e.device === p.device && e.file === p.file)) out.push(`${pte(p)} removed`);
  }
  for (const dev of after.requireDirect) {
    if (!before.requireDirect.includes(dev)) out.push(`\`require_direct\` of ${bdfOf(d, dev)} set`);
  }
  const win = (x: Snapshot, dev: number) => x.msiWindows?.find((w) => w.device === dev);
  for (const dev of new Set(
    [...(before.msiWindows ?? []), ...(after.msiWindows ?? [])].map((w) => w.device),
  )) {
    const [p, w] = [win(before, dev), win(after, dev)];
    if (w !== undefined && p?.base !== w.base)
      out.push(
        `DC of ${bdfOf(d, dev)}: \`msi_addr_*\` decode the userspace window \`${w.base}\`+\`${w.size}\``,
      );
    else if (w === undefined && p !== undefined)
      out.push(`DC of ${bdfOf(d, dev)}: \`msi_addr_*\` back on the host IMSIC layout`);
  }
  for (const g of after.groups) {
    const p = before.groups.find((x) => x.group === g.group);
    if (p === undefined) continue;
    if (p.owner !== g.owner) {
      const unsafe = after.op.op === 'vfio_group_assign' && after.op.group === g.group && after.op.unsafe;
      const iso =
        g.owner === 'host'
          ? ''
          : g.isolated
            ? `, judged isolated (\`iommu_group_has_isolated_msi\`)${unsafe ? '' : ', so `allow_unsafe_interrupts` was not needed'}`
            : `, not judged isolated${unsafe ? ': admitted only by `allow_unsafe_interrupts`' : ''}`;
      out.push(`group ${g.group}: ${ownerText(p.owner)} → ${ownerText(g.owner)}, ${g.domain} domain${iso}`);
    } else if (p.domain !== g.domain) out.push(`group ${g.group}: ${p.domain} → ${g.domain} domain`);
  }
  return out;
};

const traceBlocks = (d: ReportData): Block[] => {
  const afterOp = d.counterexample.violation.afterOp;
  const rows: Text[][] = d.trace.map((row, i) => {
    const before = i === 0 ? d.boot : (d.trace[i - 1] ?? d.boot);
    const ch = changes(d, before, row);
    const what = row.result.ok
      ? ch.length === 0
        ? 'nothing a write can observe'
        : ch.join('; ')
      : 'refused, nothing changed';
    return [
      m(String(row.index + 1)),
      [code(opText(row.op, d.topology))],
      [code(resultText(row.result, row.op))],
      m(what),
    ];
  });
  const out: Block[] = [{ kind: 'h2', text: m('Trace') }];
  if (rows.length === 0)
    out.push({ kind: 'p', text: m('No op: the state at boot already violates the invariant.') });
  else {
    out.push({ kind: 'table', head: [m('#'), m('op'), m('result'), m('what changed')], rows });
    out.push({
      kind: 'p',
      text: m(
        afterOp < 0
          ? 'The state at boot already violates the invariant.'
          : `The state after op ${afterOp + 1} violates the invariant.`,
      ),
    });
  }
  return out;
};

// ── Witness ───────────────────────────────────────────────────────────────────────────────────

/** What a write reached, as a diagram participant. */
const REACHED_WHO: Record<string, string> = {
  ipi: 'IPI',
  'system-vector': 'system vector',
  'machine-file': 'M-level file',
  unallocated: 'unallocated identity',
  'guest-file': 'guest file',
};

const SYSTEM_VECTOR_NAMES = new Map<number, string>(
  Object.entries(X86_SYSTEM_VECTORS).map(([k, v]) => [v, k]),
);

const NON_VECTORED_TEXT: Record<string, string> = {
  smi: 'an SMI',
  nmi: 'an NMI',
  init: 'an INIT',
  extint: 'an ExtINT',
};
const apicIdOf = (o: Extract<Witness, { kind: 'write' }>['outcome']): string =>
  String(o.target).replace(/^apic/, '');

/** Who owns what a write reached, as the last hop of the path. */
const reachedText = (d: ReportData, w: Extract<Witness, { kind: 'write' }>): string => {
  const o = w.outcome;
  const r = w.reached;
  switch (r.what) {
    case 'irq': {
      const dev = r.device === undefined ? '?' : bdfOf(d, r.device);
      const g = r.device === undefined ? '?' : String(groupOfDevice(d, r.device) ?? '?');
      return `${outcomeText(o)} is IRQ ${r.irq ?? '?'}, owned by **${dev}, group ${g}, ${ownerText(r.owner)}**`;
    }
    case 'ipi':
      return `identity ${String(o.identity)} of ${hartText(String(o.target))}'s ${fileText(String(o.file ?? 'S'))} is the **host's IPI** (\`IMSIC_IPI_ID\`)`;
    case 'system-vector': {
      // An SMI, NMI, INIT or ExtINT names no vector (Intel SDM vol. 3 "Message Data Register Format").
      const mode = NON_VECTORED_TEXT[String(o.deliveryMode)];
      if (mode !== undefined) return `${mode} on APIC ${apicIdOf(o)} is a **host system interrupt**`;
      const name = SYSTEM_VECTOR_NAMES.get(Number(o.identity));
      return `${outcomeText(o)} is a **host system vector**${name === undefined ? '' : ` (\`${name}\`)`}`;
    }
    case 'machine-file':
      return `${outcomeText(o)} is in the **M-level file**, which belongs to machine mode`;
    case 'unallocated':
      return `${outcomeText(o)} belongs to **${ownerText(r.owner)}**: no IRQ is allocated there, so it is spurious`;
    case 'guest-file':
      return `${outcomeText(o)} is in a guest file of **${ownerText(r.owner)}**`;
    case 'unmapped-iova':
      return `the write reached ${outcomeText(o)}, though the owner's domain maps nothing at IOVA ${w.addr}`;
    default:
      return r.owner === 'memory'
        ? `the write reached ${outcomeText(o)}: ${r.what}`
        : `${outcomeText(o)} is ${r.what}, owned by **${ownerText(r.owner)}**`;
  }
};

const hopItems = (hops: readonly Hop[]): Text[] =>
  hops.map((h) => [
    b(...txt(blockName(h.block))),
    { t: 'text', v: ' — ' },
    ...m(hopSentence(h)),
    { t: 'text', v: ' ' },
    cite(hopCitation(h)),
  ]);

/** The participant a hop's block is drawn as. */
const participantOf = (d: ReportData, h: Hop, device: number): string => {
  switch (h.block) {
    case 'riscv-iommu':
      return `RISC-V IOMMU · DC of ${bdfOf(d, device)}`;
    case 'imsic': {
      const t = h.facts.target;
      const f = h.facts.file;
      return t === undefined ? 'IMSIC' : `IMSIC ${hartText(String(t))} · ${fileText(String(f ?? 'S'))}`;
    }
    case 'arm-smmuv3':
      return h.facts.sid === undefined ? 'SMMUv3' : `SMMUv3 · STE ${String(h.facts.sid)}`;
    default:
      return blockName(h.block);
  }
};

/** The write's path as a sequence diagram: device → each block in turn → Linux. */
export const pathDiagram = (
  d: ReportData,
  device: number,
  first: string,
  last: { who: string; label: string; fail: boolean },
): Diagram => {
  const participants: string[] = [deviceWho(d, device)];
  const byBlock = new Map<string, number>();
  const messages: Diagram['messages'][number][] = [];
  let at = 0;
  let firstMsg = true;
  for (const h of d.hops) {
    let p = byBlock.get(h.block);
    if (p === undefined) {
      p = participants.length;
      participants.push(participantOf(d, h, device));
      byBlock.set(h.block, p);
    }
    messages.push({ from: at, to: p, label: firstMsg ? first : hopLabel(h) });
    if (firstMsg && at !== p) messages.push({ from: p, to: p, label: hopLabel(h) });
    firstMsg = false;
    at = p;
  }
  if (firstMsg) messages.push({ from: 0, to: 0, label: first });
  participants.push(last.who);
  // The last hop is where the invariant breaks: the write reaches the wrong owner, or never arrives.
  messages.push({
    from: at,
    to: participants.length - 1,
    label: last.label,
    fail: last.fail,
    violating: true,
  });
  return { participants, messages };
};

/** "its-lpi|rd0||8216" (an expected-outcome key) as prose; other expectations as they are. */
const expectedText = (e: string): string => {
  const [controller, target, file, identity] = e.split('|');
  if (identity === undefined || controller === undefined || target === undefined) return e;
  return outcomeText({
    kind: 'interrupt',
    controller,
    target,
    identity: Number(identity),
    ...(file ? { file } : {}),
  });
};

const writeWitness = (d: ReportData, w: Extract<Witness, { kind: 'write' }>): Block[] => {
  const lead = m(
    `**${w.bdf}** (group ${groupOfDevice(d, w.device) ?? '?'}, assigned to ${ownerText(w.allowed)}) writes data \`${hx(w.data)}\` to ${d.design.hardware.arch === 'x86' && isWindow(w.addr) ? 'address' : 'IOVA'} \`${w.addr}\`${d.design.hardware.arch === 'x86' && isWindow(w.addr) ? ' (the interrupt window, never DMA-translated)' : ''}: a write the device can make at any time, with any data.`,
  );
  const own = (d.trace[d.trace.length - 1]?.irqs ?? []).filter((q) => q.owner === w.allowed);
  const ownText =
    own.length === 0
      ? 'that owner holds no IRQ'
      : `that owner's ${own.length === 1 ? 'only IRQ is' : 'IRQs are'} ${own.map((q) => `IRQ ${q.irq} (${q.hw})`).join(', ')}`;
  const linux: Text = [
    b(...m('Linux')),
    ...m(` — ${reachedText(d, w)}. The group of ${w.bdf} was given to ${ownerText(w.allowed)}; ${ownText}.`),
  ];
  const o = w.outcome;
  const who =
    w.reached.what === 'irq'
      ? `Linux IRQ ${w.reached.irq ?? '?'} · ${w.reached.device === undefined ? '?' : deviceWho(d, w.reached.device)}`
      : w.reached.owner === 'memory'
        ? 'memory'
        : `Linux · ${REACHED_WHO[w.reached.what] ?? w.reached.what} (${ownerText(w.reached.owner)})`;
  const label =
    o.kind === 'interrupt'
      ? `${plain(m(outcomeText(o)))} → ${ownerText(w.reached.owner)}`
      : plain(m(outcomeText(o)));
  return [
    { kind: 'h2', text: m('Witness: one write, hop by hop') },
    { kind: 'p', text: lead },
    { kind: 'ol', items: [...hopItems(d.hops), linux] },
    {
      kind: 'diagram',
      diagram: pathDiagram(
        d,
        w.device,
        `write ${hx(w.data)} to ${d.design.hardware.arch === 'x86' && isWindow(w.addr) ? '' : 'IOVA '}${w.addr}`,
        { who, label, fail: false },
      ),
    },
  ];
};

const deliveryWitness = (d: ReportData, w: Extract<Witness, { kind: 'delivery' }>): Block[] => {
  const lead = m(
    `IRQ ${w.irq} of **${w.bdf}** (group ${groupOfDevice(d, w.device) ?? '?'}) ${w.inflight === true ? 'was programmed during its last affinity move (the message may still be in flight)' : 'is programmed'} with message address \`${w.msg.addr}\`, data \`${hx(w.msg.data)}\`, and must arrive as ${expectedText(w.expected)}. The device writes exactly that message:`,
  );
  const linux: Text = [
    b(...m('Linux')),
    ...m(` — IRQ ${w.irq} never fires: the write ends in ${outcomeText(w.outcome)}.`),
  ];
  return [
    { kind: 'h2', text: m('Witness: one write, hop by hop') },
    { kind: 'p', text: lead },
    { kind: 'ol', items: [...hopItems(d.hops), linux] },
    {
      kind: 'diagram',
      diagram: pathDiagram(d, w.device, `MSI of IRQ ${w.irq}: ${hx(w.msg.data)} to ${w.msg.addr}`, {
        who: `Linux IRQ ${w.irq} · ${deviceWho(d, w.device)}`,
        label: `never arrives: ${plain(m(outcomeText(w.outcome)))}`,
        fail: true,
      }),
    },
  ];
};

/** The write witness's strength class, and how it compares with the first failure found. */
const witnessClassBlocks = (d: ReportData): Block[] => {
  const cls = witnessClass(d.witness);
  if (cls === undefined) return [];
  const first = d.counterexample.found.firstClass;
  const rank = WITNESS_CLASSES.map((c) => WITNESS_CLASS_TEXT[c]).join(' > ');
  const found =
    first === undefined
      ? 'The class of the first failing scenario was not recorded (the file predates witness classes).'
      : first === cls
        ? 'The first failing scenario the random search found had the same class; shrinking kept it.'
        : `The first failing scenario the random search found had a weaker class (${WITNESS_CLASS_TEXT[first]}).`;
  return [
    {
      kind: 'p',
      text: [
        b(...m('Witness class:')),
        ...txt(` ${WITNESS_CLASS_TEXT[cls]} (strongest first: ${rank}). ${found}`),
      ],
    },
  ];
};

/** What a non-write witness shows, in a few words (the last arrow of the trace diagram). */
const witnessSummary = (w: Witness): string => {
  switch (w.kind) {
    case 'write':
    case 'delivery':
      return w.kind;
    case 'gate':
      return `group ${w.group}: isolated ${w.isolated}, unsafe ${w.unsafe} → ${w.result}`;
    case 'mapping':
      return `domain ${w.domain}: IOVA ${w.iova} overlaps ${w.conflict}`;
    case 'direct':
      return `${w.bdf}: ${w.region}, ${w.problem}`;
    case 'atomic-mapping':
      return `IRQ ${w.irq}: page ${w.page} mapped in atomic context`;
    case 'msi-iova':
      return `MSI IOVA ${w.iova} outside the window (${w.window})`;
    case 'regions':
      return `${w.bdf} reports ${w.regions.length === 0 ? 'no MSI region' : w.regions.join(', ')}: ${w.problem}`;
    default: {
      const never: never = w;
      return never;
    }
  }
};

/** The trace as a sequence diagram: each op and its result, then the state the invariant rejects. */
const traceDiagram = (d: ReportData): Diagram => {
  const messages: Diagram['messages'][number][] = [];
  if (d.trace.length === 0)
    messages.push({ from: 1, to: 1, label: 'boot: iommu_probe_device, default domains' });
  for (const row of d.trace) {
    messages.push({ from: 0, to: 1, label: opText(row.op, d.topology) });
    messages.push({ from: 1, to: 0, label: resultText(row.result, row.op) });
  }
  messages.push({ from: 1, to: 1, label: `✗ ${witnessSummary(d.witness)}`, fail: true, violating: true });
  return { participants: ['host driver / VFIO / VMM', 'Linux kernel'], messages };
};

/** Non-write witnesses: their fields as a short table, then the trace as a diagram. */
const fieldWitness = (d: ReportData, lead: string, rows: [string, string][]): Block[] => [
  { kind: 'h2', text: m('Witness') },
  { kind: 'p', text: m(lead) },
  { kind: 'table', head: [m('field'), m('value')], rows: rows.map(([k, v]) => [m(k), m(v)]) },
  { kind: 'p', text: m('The trace, op by op, up to the state the invariant rejects:') },
  { kind: 'diagram', diagram: traceDiagram(d) },
];

const witnessBlocks = (d: ReportData): Block[] => {
  const w = d.witness;
  switch (w.kind) {
    case 'write':
      return [...writeWitness(d, w), ...witnessClassBlocks(d)];
    case 'delivery':
      return deliveryWitness(d, w);
    case 'gate':
      return fieldWitness(d, 'The last assignment is judged by the VFIO / iommufd gate:', [
        ['group', String(w.group)],
        ['`iommu_group_has_isolated_msi()`', String(w.isolated)],
        ['`allow_unsafe_interrupts`', String(w.unsafe)],
        ['kernel result', `\`${w.result}\``],
      ]);
    case 'mapping':
      return fieldWitness(d, 'A mapping of the domain overlaps what it must not:', [
        ['domain', String(w.domain)],
        ['IOVA', `\`${w.iova}\``],
        ['conflicts with', w.conflict],
      ]);
    case 'direct':
      return fieldWitness(d, 'A firmware direct region is not honoured:', [
        ['device', `\`${w.bdf}\``],
        ['region', w.region],
        ['problem', w.problem],
      ]);
    case 'atomic-mapping':
      return fieldWitness(d, '`irq_set_affinity` (atomic context) had to create an IOMMU mapping:', [
        ['IRQ', String(w.irq)],
        ['page mapped', `\`${w.page}\``],
      ]);
    case 'msi-iova':
      return fieldWitness(d, 'The kernel allocated an MSI IOVA outside the window it reports:', [
        ['domain', String(w.domain)],
        ['MSI IOVA', `\`${w.iova}\``],
        ['doorbell PA', `\`${w.doorbell}\``],
        ['SW_MSI window', w.window],
      ]);
    case 'regions':
      return fieldWitness(d, 'The reserved regions the device reports do not fit its domain:', [
        ['device', `\`${w.bdf}\``],
        ['regions reported', w.regions.length === 0 ? 'none' : w.regions.join(', ')],
        ['problem', w.problem],
      ]);
    default: {
      const never: never = w;
      return never;
    }
  }
};

// ── Strength (certificates/) ───────────────────────────────────────────────────────────────────

const RANDOM_ONLY: Strength = { kind: 'random', why: 'no certificate read' };

/** This pair's strength, under the verdict: certified minimal within a scope, or shrunk only. */
const ownStrengthBlocks = (d: ReportData): Block[] => {
  const s = d.strengths.get(d.invariant.id) ?? RANDOM_ONLY;
  const text =
    s.kind === 'minimal'
      ? `certified minimal within \`${s.scope}\`: the exhaustive search of ${s.states} states (≤ ${s.depth} ops) finds no counterexample with fewer ops, and none as short on a lighter topology.`
      : s.kind === 'random'
        ? `not certified, the random search's shrunk scenario only (${s.why}).`
        : `${strengthText(s)}.`;
  return [{ kind: 'p', text: [b(...m('Strength:')), { t: 'text', v: ' ' }, ...m(text)] }];
};

/** The strength of every verdict of the design, grouped: what its ✓ rest on, and each vacuous premise. */
const designStrengthBlocks = (d: ReportData): Block[] => {
  const kinds = ['exhaustive', 'vacuous', 'minimal', 'random'] as const;
  const of = (k: (typeof kinds)[number]) =>
    INVARIANT_IDS.flatMap((i) => {
      const s = d.strengths.get(i) ?? RANDOM_ONLY;
      return s.kind === k ? [{ i, s }] : [];
    });
  const search = [...d.strengths.values()].find((s) => s.kind !== 'random');
  const items: Text[] = [];
  const names = (xs: readonly { i: InvariantId }[]): Text =>
    xs.flatMap(({ i }, n) => [...(n > 0 ? m(', ') : []), code(i)]);
  const exhaustive = of('exhaustive');
  if (exhaustive.length > 0) items.push([...m('✓ in every state of the scope: '), ...names(exhaustive)]);
  for (const { i, s } of of('vacuous'))
    if (s.kind === 'vacuous')
      items.push([
        ...m('✓∅ vacuous: '),
        code(i),
        ...m(' — '),
        ...txt(`${s.premise} never arises within the scope`),
        ...(d.vacuousNotes.has(i) ? txt(`: ${d.vacuousNotes.get(i)}`) : []),
      ]);
  const minimal = of('minimal');
  if (minimal.length > 0) items.push([...m('✗ counterexample certified minimal: '), ...names(minimal)]);
  const random = of('random');
  if (random.length > 0)
    items.push([...m('~ random search only (no fresh certificate): '), ...names(random)]);
  return [
    { kind: 'h2', text: m('Strength of this design’s verdicts') },
    {
      kind: 'p',
      text: m(
        search === undefined || !('states' in search)
          ? `No fresh certificate in \`certificates/\` for \`${d.design.id}\`: every verdict below rests on the random search alone (\`npx msispec prove --design ${d.design.id} --scope ${STRENGTH_SCOPE}\` computes them).`
          : `From \`certificates/\`: the exhaustive search of \`${d.design.id}\` within \`${search.scope}\` visits ${search.states} distinct states, up to ${search.depth} ops.`,
      ),
    },
    { kind: 'ul', items },
  ];
};

// ── Why, remedies, simplifications, reproduce ─────────────────────────────────────────────────

const whyBlocks = (d: ReportData, verdict: Expected): Block[] => [
  { kind: 'h2', text: m('Why it fails') },
  {
    kind: 'p',
    text:
      verdict.verdict === 'violated'
        ? [b(...m('This counterexample:')), { t: 'text', v: ' ' }, ...txt(sentence(verdict.note))]
        : m('No reviewed reading yet: this violation is new.'),
  },
  {
    kind: 'p',
    text: [
      b(...m(`Why ${d.invariant.id} matters (all designs):`)),
      { t: 'text', v: ' ' },
      ...txt(d.invariant.rationale),
    ],
  },
  {
    kind: 'p',
    text: [
      ...m('Sources of the invariant: '),
      ...d.invariant.sources.flatMap((x, i) => [...(i > 0 ? m('; ') : []), ...txt(x)]),
      ...m('.'),
    ],
  },
];

const remedyBlocks = (d: ReportData): Block[] => {
  const remedies = d.design.remedies.filter((r) => r.for.includes(d.invariant.id));
  const general: Block[] =
    d.remedy === undefined
      ? []
      : [
          {
            kind: 'p',
            text: [
              b(...m(`What makes ${d.invariant.id} hold on any design:`)),
              ...txt(` ${d.remedy.text.replace(/\.$/, '')} (${d.remedy.source}).`),
            ],
          },
        ];
  return [
    { kind: 'h2', text: m('What would make it hold (from the sources)') },
    remedies.length === 0
      ? { kind: 'p', text: m(`The design's sources do not say what would make ${d.invariant.id} hold.`) }
      : { kind: 'ul', items: remedies.map((x) => txt(x.text)) },
    ...general,
  ];
};

const simplificationBlocks = (d: ReportData): Block[] =>
  d.design.simplifications.length === 0
    ? []
    : [
        { kind: 'h2', text: m('Where the model simplifies this design') },
        { kind: 'ul', items: d.design.simplifications.map((x) => txt(x)) },
      ];

const reproduceBlocks = (d: ReportData): Block[] => {
  const f = d.counterexample.found;
  return [
    { kind: 'h2', text: m('Reproduce') },
    { kind: 'code', text: `npx msispec replay ${d.file}` },
    {
      kind: 'p',
      text: m(
        `Found with seed \`${f.seed}\`, shrunk in ${plural(f.shrinks, 'step')} after ${plural(f.runs, 'run')} (fast-check path \`${f.path}\`), on ${d.counterexample.date} by msispec ${d.counterexample.msispec}.`,
      ),
    },
  ];
};

/** The whole report of one counterexample, as a document both renderers read. */
export const buildReport = (d: ReportData, verdict: Expected): Doc => {
  const title = `✗ ${d.invariant.id} — ${d.design.id}`;
  const reportTitle: Inline = { t: 'text', v: title };
  return {
    title,
    blocks: [
      { kind: 'h1', text: [reportTitle] },
      ...verdictBlocks(d, verdict),
      ...ownStrengthBlocks(d),
      ...invariantBlocks(d),
      ...designBlocks(d),
      { kind: 'h2', text: m('Minimal platform') },
      { kind: 'table', head: [m(''), m('')], rows: platformRows(d) },
      deviceTable(d),
      ...traceBlocks(d),
      ...witnessBlocks(d),
      ...whyBlocks(d, verdict),
      ...remedyBlocks(d),
      ...simplificationBlocks(d),
      ...designStrengthBlocks(d),
      ...reproduceBlocks(d),
    ],
  };
};
