import type { Outcome } from '../../model/types/outcome.ts';
import type { JsonOutcome } from './types.ts';

/** An Outcome as JSON: bigint addresses become hex strings; a nested notice is flattened away. */
export const jsonOutcome = (o: Outcome): JsonOutcome => {
  switch (o.kind) {
    case 'memory':
      return { kind: 'memory', pa: `0x${o.pa.toString(16)}`, data: o.data };
    case 'interrupt': {
      const out: JsonOutcome = {
        kind: 'interrupt',
        controller: o.controller,
        target: o.target,
        identity: o.identity,
      };
      if (o.file !== undefined) out.file = o.file;
      if (o.deliveryMode !== undefined) out.deliveryMode = o.deliveryMode;
      return out;
    }
    case 'dropped':
      return { kind: 'dropped', reason: o.reason };
    case 'fault':
      return { kind: 'fault', arch: o.arch, cause: o.cause, code: o.code };
    case 'register':
      return {
        kind: 'register',
        block: o.block,
        register: o.register,
        pa: `0x${o.pa.toString(16)}`,
        access: o.access,
      };
    default: {
      const never: never = o;
      return never;
    }
  }
};
