import { MAX_DEVICE_ID, MAX_PCI_RID, type Write } from '../../../model/types/write.ts';
import { get, type Json, member, type Reader } from '../read.ts';
import type { Arch } from './arch.ts';

/** Largest transfer the runner accepts: PCIe's largest Max_Payload_Size (4096 bytes). */
export const MAX_SIZE = 4096;

const ACCESS = {
  pattern: /^((untranslated|translated) )?(read|write|exec|read-for-execute)$/,
  what: '[untranslated | translated] read | write | exec | read-for-execute',
};

/**
 * The `write` member (section 3.1): requester identity, address, data, size and access type.
 * `requester_id` is the PCI requester ID (16 bits) except for riscv-iommu, where it is the IOMMU
 * device_id (24 bits).
 */
export const readWrite = (r: Reader, raw: Json, path: string, arch: Arch): Write | undefined => {
  const o = r.object(raw, path, {
    required: ['requester_id', 'address', 'data', 'size'],
    optional: ['access'],
  });
  if (o === undefined) return undefined;
  const ridBits = arch === 'riscv-iommu' ? 24 : 16;
  const rid = get(o, 'requester_id', (v) => r.hex(v, member(path, 'requester_id'), ridBits));
  const addr = get(o, 'address', (v) => r.hex(v, member(path, 'address'), 64));
  const data = get(o, 'data', (v) => r.hex(v, member(path, 'data'), 32));
  const size = get(o, 'size', (v) => r.int(v, member(path, 'size'), 1, MAX_SIZE));
  const access = get(o, 'access', (v) => r.token(v, member(path, 'access'), ACCESS));
  if (rid === undefined || addr === undefined || data === undefined || size === undefined) return undefined;
  if (rid > BigInt(arch === 'riscv-iommu' ? MAX_DEVICE_ID : MAX_PCI_RID)) return undefined;
  const words = access?.split(' ') ?? [];
  const kind = words[words.length - 1];
  const w: Write = { rid: Number(rid), addr, data: Number(data), size };
  if (kind === 'read') return { ...w, access: 'read', translated: words[0] === 'translated' };
  if (kind === 'exec' || kind === 'read-for-execute')
    return { ...w, access: 'exec', translated: words[0] === 'translated' };
  return { ...w, access: 'write', translated: words[0] === 'translated' };
};
