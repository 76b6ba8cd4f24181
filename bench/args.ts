import { oneOf, parseArgs, UsageError } from '../cli/args.ts';
import type { InvariantId } from '../spec/invariants/types.ts';

/** One violated design × invariant pair whose runs-until-found the bench measures. */
export interface BenchPair {
  readonly design: string;
  readonly invariant: InvariantId;
}

/** What `npm run bench` measures: every section, or only the runs until found (section 2) of some pairs. */
export type BenchPlan =
  | { readonly only: 'all' }
  | { readonly only: 'find'; readonly pairs: readonly BenchPair[] };

const FLAGS = [
  {
    name: 'find',
    kind: 'boolean',
    help: 'measure only the runs until found (section 2), over every violated pair',
  },
  {
    name: 'pairs',
    kind: 'list',
    help: 'measure only the runs until found of these violated pairs, design×invariant, comma-separated',
  },
] as const;

/**
 * Parses the bench's arguments against the violated pairs of the verdict table (in table order).
 * `--find` keeps them all, `--pairs a×b,…` the ones listed (in the order given, duplicates dropped);
 * anything else is a UsageError naming the value and what is allowed.
 */
export const parseBenchArgs = (argv: readonly string[], violated: readonly BenchPair[]): BenchPlan => {
  const { flags, positional } = parseArgs(argv, FLAGS);
  if (positional.length > 0)
    throw new UsageError(
      `unexpected argument '${positional[0]}'; allowed: --find, --pairs design×invariant,…`,
    );
  const listed = flags.get('pairs') as string[] | undefined;
  if (listed === undefined)
    return flags.get('find') === true ? { only: 'find', pairs: violated } : { only: 'all' };
  const names = violated.map((p) => `${p.design}×${p.invariant}`);
  const pairs = [...new Set(listed.map((s) => s.trim()))].map((s) => {
    if (!/^[^×]+×[^×]+$/.test(s))
      throw new UsageError(
        `--pairs: '${s}' is not design×invariant (e.g. ${names[0] ?? 'riscv-guest-files×msi-delivery'})`,
      );
    const i = names.indexOf(oneOf('violated pair for --pairs', s, names));
    return violated[i] as BenchPair;
  });
  return { only: 'find', pairs };
};
