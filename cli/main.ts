import { InputFileError } from '../spec/input-error.ts';
import { closest, UsageError } from './args.ts';
import { check } from './check.ts';
import { conformCommand } from './conform.ts';
import { explain } from './explain.ts';
import { replayCommand } from './replay.ts';
import { report } from './report.ts';
import { VERSION } from './version.ts';

const COMMANDS = ['check', 'replay', 'explain', 'report', 'conform', 'help'] as const;

const HELP = `msispec ${VERSION} — MSI delivery through IOMMUs, checked

usage: msispec <command> [options]

  check     run the verdict gate over designs × invariants, write reports/   (msispec check --help)
  replay    replay a counterexample file step by step, with its witness traced through the hardware
  explain   what a design is, its sources, knobs and verdicts, and how one MSI travels on it
  report    re-render reports/ from the stored counterexamples without running the gate
  conform   replay conformance cases (spec/conformance/*.json) against the model   (msispec conform --help)
  help      this text

Exit codes: 0 success, 1 the gate failed, a counterexample no longer reproduces or a conformance case
did not pass, 2 bad input.`;

/** Runs one msispec command; returns the exit code. Bad input of any kind is one line on stderr and 2. */
export const main = async (argv: readonly string[]): Promise<number> => {
  const out = (s: string) => process.stdout.write(`${s}\n`);
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        out(HELP);
        return 0;
      case 'check':
        return check(rest, out);
      case 'replay':
        return replayCommand(rest, out);
      case 'explain':
        return explain(rest, out);
      case 'report':
        return report(rest, out);
      case 'conform':
        return conformCommand(rest, out);
      default:
        throw new UsageError(
          `unknown command '${command}'; did you mean '${closest(command, COMMANDS)}'? Commands: ${COMMANDS.join(', ')}`,
        );
    }
  } catch (e) {
    if (e instanceof UsageError || e instanceof InputFileError) {
      process.stderr.write(`msispec: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
};
