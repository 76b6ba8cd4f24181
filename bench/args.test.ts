import { describe, expect, it } from 'vitest';
import { UsageError } from '../cli/args.ts';
import { type BenchPair, parseBenchArgs } from './args.ts';

const VIOLATED: BenchPair[] = [
  { design: 'riscv-guest-files', invariant: 'domain-switch-continuity' },
  { design: 'dma-iommu-mixed-domain', invariant: 'msi-delivery' },
];

describe('npm run bench arguments (bench/args.ts; a bad flag or value is one clear error, exit 2 in bench/run.ts)', () => {
  it('no argument runs every section; --find only the runs until found, over every violated pair', () => {
    expect(parseBenchArgs([], VIOLATED)).toEqual({ only: 'all' });
    expect(parseBenchArgs(['--find'], VIOLATED)).toEqual({ only: 'find', pairs: VIOLATED });
  });
  it('--pairs keeps the listed violated pairs in the order given, once each', () => {
    expect(
      parseBenchArgs(
        [
          '--pairs',
          'dma-iommu-mixed-domain×msi-delivery,riscv-guest-files×domain-switch-continuity',
          '--pairs=dma-iommu-mixed-domain×msi-delivery',
        ],
        VIOLATED,
      ),
    ).toEqual({ only: 'find', pairs: [VIOLATED[1], VIOLATED[0]] });
  });
  it('refuses a malformed pair, a pair that is not violated, an unknown flag and a stray argument, naming what is allowed', () => {
    expect(() => parseBenchArgs(['--pairs', 'riscv-guest-files'], VIOLATED)).toThrow(
      /--pairs: 'riscv-guest-files' is not design×invariant/,
    );
    expect(() => parseBenchArgs(['--pairs', 'riscv-guest-files×msi-delivery'], VIOLATED)).toThrow(
      /unknown violated pair for --pairs 'riscv-guest-files×msi-delivery'; did you mean 'riscv-guest-files×domain-switch-continuity'\? Allowed: riscv-guest-files×domain-switch-continuity, dma-iommu-mixed-domain×msi-delivery/,
    );
    expect(() => parseBenchArgs(['--pairs'], VIOLATED)).toThrow(UsageError);
    expect(() => parseBenchArgs(['--seeds', '3'], VIOLATED)).toThrow(/unknown flag --seeds/);
    expect(() => parseBenchArgs(['find'], VIOLATED)).toThrow(/unexpected argument 'find'/);
  });
});
