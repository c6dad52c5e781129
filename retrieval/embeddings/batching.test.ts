import { describe, expect, it } from 'vitest';
import { splitIntoBatches } from './batching.js';

describe('splitIntoBatches', () => {
  it('keeps order, the last batch taking the rest', () => {
    expect(splitIntoBatches([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(splitIntoBatches([], 3)).toEqual([]);
  });
});
