import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { COUNTEREXAMPLES_DIR, writeAtomic } from '../counterexamples/store.ts';
import {
  CERTIFICATES_DIR,
  certificateFor,
  certificatesOf,
  sourcesHash,
  violatedOf,
  writeCertificate,
} from '../properties/exhaustive/certificate.ts';
import { scopeTopologies } from '../properties/exhaustive/enumerate.ts';
import { estimateDesign } from '../properties/exhaustive/estimate.ts';
import { type CertifiedPair, judgeCertificates } from '../properties/exhaustive/gate.ts';
import { formatJson } from '../properties/exhaustive/json.ts';
import { certifyCounterexample, minimalText } from '../properties/exhaustive/minimal.ts';
import { combine, type DesignProof, proveDesign, targetOf } from '../properties/exhaustive/prove.ts';
import { loadScope, type Scope, scopeNames } from '../properties/exhaustive/scope.ts';
import { parseShard, readShard, type ShardFile, ShardFileSchema } from '../properties/exhaustive/shard.ts';
import { getDesign, loadDesigns } from '../spec/designs/load.ts';
import type { DesignId } from '../spec/designs/schema.ts';
import { getInvariant } from '../spec/invariants/index.ts';
import { INVARIANT_IDS, type InvariantId } from '../spec/invariants/types.ts';
import { WITNESS_CLASS_TEXT, type WitnessClass } from '../spec/invariants/witness-class.ts';
import { expectedOf, loadVerdicts } from '../spec/verdicts.ts';
import { type FlagSpec, helpText, oneOf, parseArgs, UsageError } from './args.ts';
import { VERSION } from './version.ts';

const DEFAULT_SCOPE = 'ci';
const DEFAULT_MEMORY_MIB = 4096;

export const PROVE_FLAGS: readonly FlagSpec[] = [
  { name: 'design', kind: 'list', help: 'only these designs (repeat or comma-separate); default: all' },
  { name: 'invariant', kind: 'list', help: 'only these invariants; default: all 13' },
  {
    name: 'scope',
    kind: 'string',
    help: `a scope name (properties/exhaustive/scopes/NAME.json) or FILE; default ${DEFAULT_SCOPE}`,
  },
  { name: 'gate', kind: 'boolean', help: 'reuse fresh certificates; recompute only stale or missing ones' },
  { name: 'shard', kind: 'string', help: 'k/n: search only the topologies of shard k of n; needs --out' },
  { name: 'out', kind: 'string', help: 'with --shard: write the shard result to FILE (nothing else)' },
  { name: 'merge', kind: 'boolean', help: 'combine the shard FILEs given as arguments into certificates' },
  { name: 'jobs', kind: 'int', help: 'run N shards in parallel processes and merge them (default 1)' },
  {
    name: 'estimate',
    kind: 'boolean',
    help: 'print the projected states and memory per design, run nothing',
  },
  {
    name: 'max-memory',
    kind: 'int',
    help: `refuse a scope projected above this many MiB (default ${DEFAULT_MEMORY_MIB})`,
  },
  {
    name: 'certificates',
    kind: 'string',
    help: 'read and write certificates in DIR (default certificates/)',
  },
  {
    name: 'counterexamples',
    kind: 'string',
    help: 'read and certify stored counterexamples in DIR (default counterexamples/)',
  },
  { name: 'json', kind: 'boolean', help: 'print the judged pairs as JSON' },
  { name: 'help', kind: 'boolean', help: 'show this help' },
];

export const PROVE_HELP = helpText(
  'msispec prove [--design ID…] [--invariant ID…] [--scope NAME|FILE] [--gate] [--shard k/n --out FILE] [--merge FILE…] [--jobs N]',
  `Exhaustive small-scope search: a breadth-first search over every scenario of the scope (topologies
lightest first, every op sequence up to the scope's depth, op arguments from its value domains),
through the same build/step/invariants as the random search, one search per design judging every
invariant at each state. Writes certificates/<invariant>/<design>.json, marks each violated pair's
stored counterexample certified minimal within the scope (or replaces it by a smaller one), then
judges every pair against spec/verdicts.json. Scopes: ${scopeNames().join(', ')}.
Exit 0 when every pair is certified (or its premise is out of scope), 1 when a pair disagrees or is
uncertified, 2 on bad input or a scope projected beyond --max-memory.`,
  PROVE_FLAGS,
);

const cpuSeconds = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const mib = (b: number): string => `${(b / 2 ** 20).toFixed(0)} MiB`;

interface Selection {
  readonly designs: DesignId[];
  readonly invariants: InvariantId[];
  readonly scope: Scope;
  readonly scopeArg: string;
  readonly dirs: { readonly certificates: string; readonly counterexamples: string };
}

/** Refuses, before any search, a scope whose projected memory exceeds the limit. */
const checkMemory = (sel: Selection, limitMiB: number, out: (s: string) => void, print: boolean): void => {
  for (const d of sel.designs) {
    const e = estimateDesign(getDesign(d), sel.scope);
    if (print)
      out(
        `${d}: ${e.topologies} topologies, ~${e.states} states (largest topology ~${e.peakStates}), ~${mib(e.bytes)} at the peak`,
      );
    if (e.bytes > limitMiB * 2 ** 20)
      throw new UsageError(
        `scope ${sel.scope.name} on ${d}: projected ~${e.peakStates} states in its largest topology, ~${mib(e.bytes)}, above --max-memory ${limitMiB} MiB; lower a box's depth or its topologies, or raise --max-memory`,
      );
  }
};

/** Writes a design's certificates and certifies its violated pairs' stored counterexamples. */
const record = (proof: DesignProof, sel: Selection, out: (s: string) => void): void => {
  const verdicts = loadVerdicts();
  const design = getDesign(proof.design);
  for (const c of certificatesOf(proof, sel.scope, sel.scopeArg, VERSION))
    writeCertificate(c, sel.dirs.certificates);
  for (const id of proof.invariants) {
    const pair = proof.pairs[id];
    if (pair?.result !== 'violated') continue;
    const verdict = expectedOf(verdicts, proof.design, id);
    if (verdict.verdict !== 'violated') {
      out(
        `  ✗ ${id}: violated within ${sel.scope.name} after ${pair.ops.length} ops on ${pair.topology.devices.length} device(s), ${pair.topology.harts} hart(s), ${pair.topology.vms} VM(s): ${pair.ops.map((o) => JSON.stringify(o)).join(' ')}`,
      );
      continue;
    }
    const r = certifyCounterexample(design, getInvariant(id), pair, sel.scope.name, sel.dirs.counterexamples);
    const { least, class: cls } = targetOf(pair);
    const of = (c: WitnessClass | undefined) => (c === undefined ? '' : `, ${WITNESS_CLASS_TEXT[c]}`);
    if (r.action === 'replaced')
      out(
        `  ${r.file}: replaced by the search's (${least.ops.length} ops, topology weight ${least.weight}${of(cls)}; was ${r.was.ops} ops, weight ${r.was.weight}${of(r.was.class)})`,
      );
    else if (r.action === 'certified') out(`  ${r.file}: ${minimalText(sel.scope.name, cls)}`);
    else if (r.action === 'outside') out(`  ${r.file}: not certified: ${r.why}`);
    else if (r.action === 'missing') out(`  ${r.file}: missing`);
  }
};

const line = (proof: DesignProof, cpu: number): string =>
  `${proof.design}: ${proof.topologies.length} topologies, ${proof.distinct} states, ${proof.generated} steps, depth ${proof.depthReached}/${proof.depth}${proof.complete ? '' : ' TRUNCATED'}, ${cpu.toFixed(1)} s CPU (${(proof.distinct / Math.max(cpu, 1e-3)).toFixed(0)} states/s), table ${mib(proof.peakTableBytes)}, rss ${mib(process.memoryUsage().rss)}`;

const judge = (sel: Selection, out: (s: string) => void, json: boolean): number => {
  const pairs = judgeCertificates(loadVerdicts(), sel.designs, sel.invariants, sel.scope, sel.dirs);
  const bad = pairs.filter((p) => !p.ok);
  const count = (s: CertifiedPair['status']) => pairs.filter((p) => p.status === s).length;
  if (json) out(formatJson({ scope: sel.scope.name, failed: bad.length, pairs }).trimEnd());
  else {
    for (const p of pairs.filter((x) => x.status === 'vacuous'))
      out(`  ○ ${p.design} × ${p.invariant}: ${p.why}`);
    for (const p of bad) out(`  ! ${p.design} × ${p.invariant} (${p.status}): ${p.why}`);
    out(
      `prove ${bad.length === 0 ? 'passed' : 'FAILED'}: ${count('certified')} certified, ${count('vacuous')} premise out of scope, ${count('disagrees')} disagree with spec/verdicts.json, ${count('uncertified')} uncertified, of ${pairs.length} pairs within ${sel.scope.name}`,
    );
  }
  return bad.length === 0 ? 0 : 1;
};

const merge = (files: readonly string[], out: (s: string) => void): ShardFile[] => {
  const shards = files.map(readShard);
  const [first] = shards;
  if (first === undefined) throw new UsageError('--merge needs the shard FILEs as arguments');
  const n = first.shard.n;
  const ks = new Set(shards.map((s) => s.shard.k));
  shards.forEach((s, i) => {
    if (s.shard.n !== n || JSON.stringify(s.scope) !== JSON.stringify(first.scope))
      throw new UsageError(
        `${files[i]}: shard of another run (scope ${s.scope.name}, ${s.shard.k}/${s.shard.n})`,
      );
  });
  if (ks.size !== n || shards.length !== n)
    throw new UsageError(
      `--merge needs shards 1..${n} of one run exactly once; got ${shards.map((s) => `${s.shard.k}/${s.shard.n}`).join(', ')}`,
    );
  out(`merging ${n} shards of scope ${first.scope.name}`);
  return shards;
};

/** `msispec prove`: returns the exit code. */
export const prove = async (argv: readonly string[], out: (s: string) => void): Promise<number> => {
  const { flags, positional } = parseArgs(argv, PROVE_FLAGS);
  if (flags.has('help')) {
    out(PROVE_HELP);
    return 0;
  }
  if (positional.length > 0 && !flags.has('merge'))
    throw new UsageError(
      `prove takes no positional arguments without --merge, got '${positional.join(' ')}'`,
    );
  const catalogue = [...loadDesigns().keys()];
  const designs = ((flags.get('design') as string[] | undefined) ?? catalogue).map((d) =>
    oneOf<DesignId>('design', d, catalogue),
  );
  const invariants = ((flags.get('invariant') as string[] | undefined) ?? [...INVARIANT_IDS]).map((i) =>
    oneOf<InvariantId>('invariant', i, INVARIANT_IDS),
  );
  const shardArg = flags.get('shard');
  const shard = typeof shardArg === 'string' ? parseShard(shardArg) : undefined;
  if (typeof shardArg === 'string' && shard === undefined)
    throw new UsageError(`--shard must be k/n with 1 ≤ k ≤ n, got '${shardArg}'`);
  const outFile = flags.get('out');
  if (shard !== undefined && typeof outFile !== 'string') throw new UsageError('--shard needs --out FILE');
  if (shard === undefined && outFile !== undefined) throw new UsageError('--out is only for --shard');
  const jobs = flags.has('jobs') ? Number(flags.get('jobs')) : 1;
  if (jobs < 1 || jobs > 64) throw new UsageError(`--jobs must be between 1 and 64, got ${jobs}`);
  const limit = flags.has('max-memory') ? Number(flags.get('max-memory')) : DEFAULT_MEMORY_MIB;
  if (limit < 1) throw new UsageError(`--max-memory must be at least 1 MiB, got ${limit}`);
  const json = flags.has('json');
  const say = json ? () => {} : out;
  const dirFlag = (name: string, fallback: string) => {
    const v = flags.get(name);
    return typeof v === 'string' ? v : fallback;
  };
  const dirs = {
    certificates: dirFlag('certificates', CERTIFICATES_DIR),
    counterexamples: dirFlag('counterexamples', COUNTEREXAMPLES_DIR),
  };

  if (flags.has('merge')) {
    const shards = merge(positional, say);
    const scope = (shards[0] as ShardFile).scope;
    const sel = { designs: [] as DesignId[], invariants, scope, scopeArg: scope.name, dirs };
    const ds = [...new Set(shards.flatMap((s) => s.designs.map((d) => d.design)))];
    for (const d of ds) {
      const parts = shards.map((s) => s.designs.find((x) => x.design === d));
      if (parts.some((p) => p === undefined || p.sources !== sourcesHash(d)))
        throw new UsageError(`design ${d}: missing from a shard, or a shard ran on other sources`);
      const first = parts[0];
      if (first === undefined) continue;
      const proof = combine(
        d,
        first.invariants,
        parts.flatMap((p) => p?.topologies ?? []),
      );
      record(proof, { ...sel, invariants: first.invariants }, say);
      say(line(proof, 0).replace(/, 0\.0 s CPU \([^)]*\)/, ''));
      sel.designs.push(d);
    }
    return judge(
      { ...sel, invariants: [...new Set(shards.flatMap((s) => s.designs.flatMap((d) => d.invariants)))] },
      out,
      json,
    );
  }

  const scopeArg = typeof flags.get('scope') === 'string' ? (flags.get('scope') as string) : DEFAULT_SCOPE;
  const scope = loadScope(scopeArg);
  const sel: Selection = { designs, invariants, scope, scopeArg, dirs };
  const todo = flags.has('gate')
    ? designs.filter((d) =>
        invariants.some((i) => certificateFor(d, i, scope, dirs.certificates).status !== 'certified'),
      )
    : designs;
  checkMemory({ ...sel, designs: todo }, limit, say, flags.has('estimate'));
  if (flags.has('estimate')) return 0;
  const topologies = scopeTopologies(scope).length;

  if (shard !== undefined) {
    const file: ShardFile = { scope, shard, designs: [] };
    for (const d of todo) {
      const t0 = cpuSeconds();
      const proof = proveDesign(getDesign(d), scope, invariants.map(getInvariant), { shard });
      say(line(proof, cpuSeconds() - t0));
      file.designs.push({
        design: d,
        sources: sourcesHash(d),
        invariants,
        topologies: ShardFileSchema.shape.designs.element.shape.topologies.parse(proof.topologies),
      });
    }
    writeAtomic(outFile as string, formatJson(ShardFileSchema.parse(file)));
    say(`shard ${shard.k}/${shard.n} of scope ${scope.name} (${topologies} topologies): ${outFile}`);
    return 0;
  }

  say(
    `msispec ${VERSION}: prove ${todo.length} of ${designs.length} designs × ${invariants.length} invariants within scope ${scope.name} (${topologies} topologies)${flags.has('gate') ? '; fresh certificates reused' : ''}`,
  );
  if (todo.length > 0 && jobs > 1) {
    // Shards in child processes of this same command, then one merge: no coordination beyond the partition.
    const dir = mkdtempSync(join(tmpdir(), 'msispec-prove-'));
    try {
      const cli = new URL('./msispec.mjs', import.meta.url).pathname;
      const files = Array.from({ length: jobs }, (_, i) => join(dir, `${i + 1}.json`));
      const t0 = Date.now();
      const runs = await Promise.all(
        files.map((f, i) =>
          promisify(execFile)(
            process.execPath,
            [
              cli,
              'prove',
              '--scope',
              scopeArg,
              '--design',
              todo.join(','),
              '--invariant',
              invariants.join(','),
              '--shard',
              `${i + 1}/${jobs}`,
              '--out',
              f,
              '--max-memory',
              String(limit),
              '--certificates',
              dirs.certificates,
              '--counterexamples',
              dirs.counterexamples,
            ],
            { maxBuffer: 1 << 26 },
          ),
        ),
      );
      // Each shard prints its designs' CPU seconds (`line`); their sum is the run's CPU time.
      const cpu = runs
        .flatMap((r) => [...r.stdout.matchAll(/, ([\d.]+) s CPU/g)])
        .reduce((n, m) => n + Number(m[1]), 0);
      say(`${jobs} shards in ${((Date.now() - t0) / 1000).toFixed(1)} s wall, ${cpu.toFixed(0)} s CPU`);
      const code = await prove(
        [
          '--merge',
          ...files,
          '--certificates',
          dirs.certificates,
          '--counterexamples',
          dirs.counterexamples,
          ...(json ? ['--json'] : []),
        ],
        out,
      );
      return designs.length === todo.length ? code : judge(sel, out, json);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  for (const d of todo) {
    const t0 = cpuSeconds();
    const proof = proveDesign(getDesign(d), scope, invariants.map(getInvariant));
    say(line(proof, cpuSeconds() - t0));
    record(proof, sel, say);
  }
  for (const d of designs) if (!todo.includes(d)) recertify(d, sel, say);
  return judge(sel, out, json);
};

/**
 * For a design whose certificates are fresh: certifies its violated pairs' stored counterexamples
 * from the least counterexample each certificate holds (a file re-recorded since, by msispec
 * accept, lost its mark), without searching again.
 */
const recertify = (design: DesignId, sel: Selection, say: (s: string) => void): void => {
  const verdicts = loadVerdicts();
  for (const id of sel.invariants) {
    if (expectedOf(verdicts, design, id).verdict !== 'violated') continue;
    const c = certificateFor(design, id, sel.scope, sel.dirs.certificates);
    const found = c.status === 'certified' ? violatedOf(c.certificate) : undefined;
    if (found === undefined) continue;
    const r = certifyCounterexample(
      getDesign(design),
      getInvariant(id),
      found,
      sel.scope.name,
      sel.dirs.counterexamples,
    );
    if (r.action !== 'unchanged')
      say(`  ${r.file}: ${r.action === 'outside' ? `not certified: ${r.why}` : r.action}`);
  }
};
