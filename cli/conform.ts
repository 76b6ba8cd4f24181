import { conform } from '../spec/conformance/runner.ts';
import { type FlagSpec, helpText, parseArgs, UsageError } from './args.ts';

const FLAGS: readonly FlagSpec[] = [{ name: 'help', kind: 'boolean', help: 'show this help' }];
const HELP = helpText(
  'msispec conform FILE…',
  [
    'Replays conformance cases (hardware vectors and kernel cases, docs/conformance-format.md) against the',
    'model. Every file is checked first: any problem prints `MALFORMED <file>: <json-path>: <problem>`, runs',
    'nothing and exits 2. Otherwise each case prints `PASS <id>`, `FAIL <id>: <path>: expected <E> got <G>` or',
    '`UNSUPPORTED <id>: <path>: <what>`, then `conformance: P passed, F failed, U unsupported of N`.',
    'Exit 0 when every case passed, 1 otherwise. Writes nothing.',
  ].join('\n'),
  FLAGS,
);

/** `msispec conform FILE…`: returns the exit code. */
export const conformCommand = (argv: readonly string[], out: (s: string) => void): number => {
  const { flags, positional } = parseArgs(argv, FLAGS);
  if (flags.has('help')) {
    out(HELP);
    return 0;
  }
  if (positional.length === 0)
    throw new UsageError('conform needs at least one FILE (e.g. spec/conformance/*.json)');
  const r = conform(positional);
  for (const line of r.lines) out(line);
  return r.exitCode;
};
