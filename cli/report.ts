import { loadGateData } from '../properties/gate-data.ts';
import { reportsSummary, writeReports } from '../reports/render/write.ts';
import { type FlagSpec, helpText, parseArgs, UsageError } from './args.ts';
import { type Context, cleanTemps, ioMessage, OutputError } from './context.ts';

const FLAGS: readonly FlagSpec[] = [{ name: 'help', kind: 'boolean', help: 'show this help' }];
const HELP = helpText(
  'msispec report',
  `Brings reports/ up to date with spec/verdicts.json and the stored counterexamples, without running
the gate: the index and one report per stored counterexample; a report no counterexample accounts
for is removed. The same data always renders to the same bytes.`,
  FLAGS,
);

/** `msispec report`: returns the exit code. */
export const report = (argv: readonly string[], ctx: Context): number => {
  const { flags, positional } = parseArgs(argv, FLAGS);
  if (flags.has('help')) {
    ctx.out(HELP);
    return 0;
  }
  if (positional.length > 0) throw new UsageError(`report takes no arguments, got '${positional.join(' ')}'`);
  const data = loadGateData(ctx.repo);
  cleanTemps(ctx);
  try {
    ctx.out(reportsSummary(writeReports(data)));
  } catch (e) {
    throw new OutputError(`could not update reports/: ${ioMessage(e)}`);
  }
  return 0;
};
