import { readSettings, SettingsError } from '../properties/settings.ts';
import { InputFileError } from '../spec/input-error.ts';
import { REPO, type Repo } from '../spec/repo.ts';
import { accept } from './accept.ts';
import { closest, UsageError } from './args.ts';
import { check } from './check.ts';
import { conformCommand } from './conform.ts';
import { type Context, OutputError } from './context.ts';
import { diff } from './diff.ts';
import { explain } from './explain.ts';
import { newDesign } from './new-design.ts';
import { prove } from './prove.ts';
import { replayCommand } from './replay.ts';
import { report } from './report.ts';
import { VERSION } from './version.ts';

const COMMANDS = [
  'check',
  'prove',
  'replay',
  'explain',
  'report',
  'accept',
  'new-design',
  'diff',
  'conform',
  'help',
] as const;

const HELP = `msispec ${VERSION} — MSI delivery through IOMMUs, checked

usage: msispec <command> [options]            (msispec <command> --help for each)

  check       run the verdict gate over designs × invariants, write counterexamples and reports/
  prove       exhaustive search within a scope: certificates and minimal counterexamples
  replay      replay a counterexample file step by step, with its witness traced through the hardware
  explain     what a design is, its sources, knobs and verdicts, and how one MSI travels on it
  report      re-render reports/ from the stored data without running the gate
  accept      record what the model finds for a pair (or every new one) in spec/verdicts.json
  new-design  scaffold spec/designs/ID.json from an existing design with knobs changed
  diff        what this tree changes compared with another ref: verdict flips, counterexamples
  conform     replay conformance cases (spec/conformance/*.json) against the model
  help        this text

Exit codes: 0 success, 1 the gate failed (or a diff is not yet recorded, or a conformance case did
not pass), 2 bad input or a file that could not be written.`;

export interface MainOptions {
  readonly repo?: Repo;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly out?: (s: string) => void;
  readonly err?: (s: string) => void;
}

const firstFrame = (e: Error): string =>
  e.stack
    ?.split('\n')
    .find((l) => l.trim().startsWith('at '))
    ?.trim() ?? '';

/**
 * Runs one msispec command; returns the exit code. Bad input of any kind (flags, ids, MSISPEC_*
 * values, data files) and a file that cannot be written are one line on stderr and exit 2; it
 * never throws.
 */
export const main = async (argv: readonly string[], o: MainOptions = {}): Promise<number> => {
  const out = o.out ?? ((s: string) => void process.stdout.write(`${s}\n`));
  const err = o.err ?? ((s: string) => void process.stderr.write(`${s}\n`));
  try {
    const env = o.env ?? process.env;
    const ctx: Context = { repo: o.repo ?? REPO, settings: readSettings(env), env, out, err };
    const [command, ...rest] = argv;
    switch (command) {
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        out(HELP);
        return 0;
      case '--version':
        out(VERSION);
        return 0;
      case 'check':
        return check(rest, ctx);
      case 'prove':
        return await prove(rest, out);
      case 'replay':
        return replayCommand(rest, ctx);
      case 'explain':
        return explain(rest, ctx);
      case 'report':
        return report(rest, ctx);
      case 'accept':
        return accept(rest, ctx);
      case 'new-design':
        return newDesign(rest, ctx);
      case 'diff':
        return await diff(rest, ctx);
      case 'conform':
        return conformCommand(rest, out);
      default:
        throw new UsageError(
          `unknown command '${command}'; did you mean '${closest(command, COMMANDS)}'? Commands: ${COMMANDS.join(', ')}`,
        );
    }
  } catch (e) {
    if (
      e instanceof UsageError ||
      e instanceof InputFileError ||
      e instanceof SettingsError ||
      e instanceof OutputError
    ) {
      err(`msispec: ${e.message}`);
      return 2;
    }
    const error = e instanceof Error ? e : new Error(String(e));
    err(
      `msispec: internal error (a bug in msispec, please report it): ${error.message} ${firstFrame(error)}`,
    );
    return 70;
  }
};
