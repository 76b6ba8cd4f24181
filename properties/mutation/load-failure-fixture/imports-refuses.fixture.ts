import { expect, test } from 'vitest';
import { isKnown } from './refuses.ts';

test('a is known', () => {
  expect(isKnown('a')).toBe(true);
});
