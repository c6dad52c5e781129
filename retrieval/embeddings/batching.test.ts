import { describe, expect, it } from 'vitest';
import { lengthGroupedBatches, splitIntoBatches } from './batching.js';

describe('lengthGroupedBatches', () => {
  it('covers every index once, longest texts first, in batches of at most `size`', () => {
    const texts = ['aa', 'a', 'aaaa', '', 'aaa', 'aaaaa', 'a'];
    const batches = lengthGroupedBatches(texts, 3);
    expect(batches).toEqual([
      [5, 2, 4],
      [0, 1, 6],
      [3],
    ]);
    expect(batches.flat().sort()).toEqual(texts.map((_, i) => i));
  });

  it('keeps equal lengths in input order, so batches are deterministic', () => {
    expect(lengthGroupedBatches(['xy', 'ab', 'cd', 'ef'], 2)).toEqual([
      [0, 1],
      [2, 3],
    ]);
  });

  it('puts a short text with short ones, not with the long text that happened to precede it', () => {
    const texts = ['a very long product name indeed', 'milk', 'another rather long product name', 'eggs'];
    const batches = lengthGroupedBatches(texts, 2).map((b) => b.map((i) => texts[i]));
    expect(batches[1].sort()).toEqual(['eggs', 'milk']);
  });

  it('splitIntoBatches keeps order', () => {
    expect(splitIntoBatches([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
  });
});
