import { describe, expect, it } from 'vitest';
import { bite, readFixtures } from './teeth.ts';

/**
 * Every known-bad model in properties/teeth/fixtures.json must be rejected by the tests it names:
 * the suite notices a wrong rule. Each fixture cites the right rule's primary source.
 */
describe('the suite rejects known-bad models (properties/teeth/fixtures.json)', () => {
  const fixtures = readFixtures();
  it.each(fixtures.map((f) => [f.id, f] as const))(
    '%s: the named tests fail on the wrong model',
    async (_id, f) => {
      const got = await bite(f);
      expect(got.stale).toBeUndefined();
      for (const m of f.mustFail) {
        expect(
          got.failed.some((name) => name.startsWith(`${m.file} > `) && name.includes(m.test)),
          `${m.file} › "${m.test}" must fail when ${f.wrong.toLowerCase()}; failed: ${JSON.stringify(got.failed)}`,
        ).toBe(true);
      }
    },
    300_000,
  );
});
