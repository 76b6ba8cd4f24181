import { hex } from '../../model/types/addr.ts';
import { jsonOutcome } from './json.ts';
import type { Invariant, Violation } from './types.ts';

export const userspaceMsiAddress: Invariant = {
  id: 'userspace-msi-address',
  title: 'Userspace-supplied MSI addresses are used as given',
  statement:
    "Where userspace supplies the MSI address per (device, vector), the programmed address is that IOVA (plus the doorbell's offset in its page) after any affinity change, and a vector without one has no kernel-chosen address.",
  rationale:
    'The point of the per-vector uAPI is that the guest\'s IOVA is the one the device uses; "It is an error for the kernel to ask for an msi_desc that userspace hasn\'t provided a mapping for."',
  sources: [
    'seed 003 (Jason Gunthorpe, 2024-11-20, 20241120140337.GA772273@nvidia.com, RFCv1 "Allow userspace to specify the address for each MSI vector")',
  ],
  check: (_design, s) => {
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
  },
};
