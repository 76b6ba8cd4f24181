import { writeReports } from '../reports/render/write.ts';
import { type FlagSpec, helpText, parseArgs, UsageError } from './args.ts';

const FLAGS: readonly FlagSpec[] = [{ name: 'help', kind: 'boolean', help: 'show this help' }];
const HELP = helpText(
  'msispec report',
  'Re-renders reports/ (index and one report per recorded violation) from spec/verdicts.json and the\nstored counterexamples, without running the gate; the index then shows no run.',
  FLAGS,
);

/** `msispec report`: returns the exit code. */
export const report = (argv: readonly string[], out: (s: string) => void): number => {
  const { flags, positional } = parseArgs(argv, FLAGS);
  if (flags.has('help')) {
    out(HELP);
    return 0;
  }
  if (positional.length > 0) throw new UsageError(`report takes no arguments, got '${positional.join(' ')}'`);
  out(`reports written: ${writeReports(undefined, true)}`);
  return 0;
};
