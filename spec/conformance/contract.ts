/**
 * The contract between `msispec conform` and the two kinds of conformance case (hardware vectors
 * and kernel cases), as the case format defines it (docs/conformance-format.md; the
 * runner contract is its section 5). The file-level work (reading files, the members common to both
 * kinds, telling the kinds apart, duplicate ids, the output lines and exit code) is the runner's;
 * each kind parses and runs the members that are its own.
 */

/** A problem found while parsing; `path` is a JSON path relative to the case, such as `.steps[2].args.pt`. */
export interface Problem {
  readonly path: string;
  readonly problem: string;
}

export type Parsed<C> =
  | { readonly ok: true; readonly value: C }
  | { readonly ok: false; readonly problems: readonly Problem[] };

/**
 * The result of one case. `path` is relative to the case, without a leading dot or `$`
 * (`expected.identity`, `steps[3].result.ranges`, `steps[1](i=5).result.msi_address`, `setup.its.gicv4`).
 * `expected` and `got` are compact JSON in the format's types (hex values as lower-case hex strings).
 */
export type CaseResult =
  | { readonly status: 'PASS' }
  | { readonly status: 'FAIL'; readonly path: string; readonly expected: string; readonly got: string }
  | { readonly status: 'UNSUPPORTED'; readonly path: string; readonly what: string };

/**
 * One kind of case. `parse` receives the case object without its common members (`id`, `source`,
 * `derived`, `notes` and string annotations), so it sees only `arch`/`setup`/`write`/`expected` or
 * `setup`/`steps`. `run` is pure: it builds the model from the case and compares.
 */
export interface CaseKind<C> {
  readonly parse: (raw: Readonly<Record<string, unknown>>) => Parsed<C>;
  readonly run: (c: C) => CaseResult;
}
