import type { CaseKind } from '../contract.ts';
import { parseKernelCase } from './parse.ts';
import { runKernelCase } from './run.ts';
import type { KernelCase } from './types.ts';

/** Kernel cases (conformance format section 4) for the `msispec conform` runner. */
export const kernelCaseKind: CaseKind<KernelCase> = { parse: parseKernelCase, run: runKernelCase };
