import { inMsiWindow } from '../../model/kernel/iommufd/msi-window.ts';
import { hwView } from '../../model/platform/hw-view.ts';
import type { State } from '../../model/platform/state.ts';
import { hex } from '../../model/types/addr.ts';
import { jsonOutcome } from './json.ts';
import type { Invariant, Violation } from './types.ts';
import { devicesThrough } from './witness.ts';

/** seed 003: each host vector of a device with per-vector IOVAs uses the one userspace gave. */
const perVector = (s: State): Violation[] => {
  const out: Violation[] = [];
  for (const q of s.irqs) {
    const dev = s.devices[q.device];
    if (dev === undefined || dev.userMsiIova.size === 0 || q.via !== 'host') continue;
    const want = dev.userMsiIova.get(q.vector);
    if (want !== undefined && q.msg.addr >> 12n === want >> 12n) continue;
    out.push({
      invariant: 'userspace-msi-address',
      witness: {
        kind: 'delivery',
        irq: q.irq,
        device: q.device,
        bdf: dev.bdf,
        msg: { addr: hex(q.msg.addr), data: q.msg.data },
        expected: want === undefined ? 'no address supplied: allocation must fail' : `page ${hex(want)}`,
        outcome: jsonOutcome({ kind: 'memory', pa: q.msg.addr, data: q.msg.data }),
      },
    });
  }
  return out;
};

/**
 * seed 000: where the VMM supplied a domain's MSI window, every device attached to the domain
 * decodes exactly that window (DC.msi_addr_pattern / msi_addr_mask as given, msiptp on) and no page
 * of the domain inside the window is mapped (the window is reserved).
 */
const perDomainWindow = (s: State): Violation[] => {
  if (s.hardware.arch !== 'riscv' || !s.domains.some((d) => d.msiWindow !== undefined)) return [];
  const hw = hwView(s);
  if (hw.arch !== 'riscv') return [];
  const out: Violation[] = [];
  for (const d of s.domains) {
    const w = d.msiWindow;
    if (w === undefined) continue;
    const base = hex(w.pattern << 12n);
    const span = `${base}+${hex((w.mask + 1n) << 12n)}`;
    for (const i of devicesThrough(s, d)) {
      const dev = s.devices[i];
      const dc = dev === undefined ? undefined : hw.iommu.ddt.get(dev.rid);
      if (dev === undefined || dc === undefined) continue;
      if (dc.msiptp.MODE !== 0 && dc.msi_addr_pattern === w.pattern && dc.msi_addr_mask === w.mask) continue;
      out.push({
        invariant: 'userspace-msi-address',
        witness: {
          kind: 'mapping',
          domain: d.id,
          iova: base,
          conflict: `${dev.bdf} decodes msi_addr_pattern ${hex(dc.msi_addr_pattern)} mask ${hex(dc.msi_addr_mask)} (msiptp mode ${dc.msiptp.MODE}), not the window ${span} userspace supplied`,
        },
      });
    }
    for (const [page, m] of d.pages) {
      if (!inMsiWindow(w, page)) continue;
      out.push({
        invariant: 'userspace-msi-address',
        witness: {
          kind: 'mapping',
          domain: d.id,
          iova: hex(page << 12n),
          conflict: `${m.origin} mapping inside the userspace MSI window ${span}`,
        },
      });
    }
  }
  return out;
};

export const userspaceMsiAddress: Invariant = {
  id: 'userspace-msi-address',
  title: 'Userspace-supplied MSI addresses are used as given',
  statement:
    "Where userspace supplies the MSI address per (device, vector), the programmed address is that IOVA (plus the doorbell's offset in its page) after any affinity change, and a vector without one has no kernel-chosen address. Where userspace supplies a domain's MSI window (RISC-V DC.msi_addr_*), every device attached to the domain decodes exactly that window and no page of the domain inside it is mapped.",
  rationale:
    'The point of either uAPI is that the addresses userspace chose are the ones the device uses: for the per-vector one, "It is an error for the kernel to ask for an msi_desc that userspace hasn\'t provided a mapping for."; for the window, the MSI table replaces the G-stage there, so a DMA mapping inside it is shadowed and a device decoding another window sends the guest\'s MSIs to memory.',
  sources: [
    'seed 003 (Jason Gunthorpe, 2024-11-20, 20241120140337.GA772273@nvidia.com, RFCv1 "Allow userspace to specify the address for each MSI vector")',
    'seed 000 (Jason Gunthorpe, 2025-09-22, 20250922235651.GG1391379@nvidia.com): "setting the DC.msi_addr* should come from userspace and create a new reserved region.. Maybe we need to create per-domain reserved regions.."',
    'RISC-V IOMMU spec v1.0.1, [[MSI_TRANS]] and Process to translate an IOVA, steps 17-19: an address matching msi_addr_pattern under msi_addr_mask is translated by the MSI table in place of the G-stage',
  ],
  check: (_design, s) => [...perVector(s), ...perDomainWindow(s)],
};
