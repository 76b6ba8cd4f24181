import type { CaseKind, Problem } from '../contract.ts';

/**
 * Kernel cases (docs/conformance-format.md, section 4). This minimal version checks the shape the
 * runner needs (an object `setup` and a non-empty array `steps` of objects with a string `op`) and
 * reports every case UNSUPPORTED at its first op; the kernel-level model replaces it.
 */
export interface KernelCase {
  readonly firstOp: string;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export const kernelCaseKind: CaseKind<KernelCase> = {
  parse: (raw) => {
    const problems: Problem[] = [];
    if (!isObject(raw.setup)) problems.push({ path: '.setup', problem: 'expected an object' });
    const steps = raw.steps;
    if (!Array.isArray(steps) || steps.length === 0)
      problems.push({ path: '.steps', problem: 'expected a non-empty array of steps' });
    const first = Array.isArray(steps) ? steps[0] : undefined;
    const op = isObject(first) ? first.op : undefined;
    if (Array.isArray(steps) && steps.length > 0 && typeof op !== 'string')
      problems.push({ path: '.steps[0].op', problem: 'expected an op name (a string)' });
    return problems.length > 0 ? { ok: false, problems } : { ok: true, value: { firstOp: String(op) } };
  },
  run: (c) => ({ status: 'UNSUPPORTED', path: 'steps[0].op', what: `op ${c.firstOp} is not modelled yet` }),
};
