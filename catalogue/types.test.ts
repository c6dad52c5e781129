import { describe, expect, it } from 'vitest';
import { compareIds } from './types.js';

describe('compareIds', () => {
  it('orders numerals by value, so Instacart ids keep their numeric order', () => {
    expect(['10', '9', '100', '1', '24852'].sort(compareIds)).toEqual(['1', '9', '10', '100', '24852']);
  });

  it('compares digit runs inside ids by value and everything else by code point', () => {
    expect(['a24', 'a3', 'b1', 'a100', 'a'].sort(compareIds)).toEqual(['a', 'a3', 'a24', 'a100', 'b1']);
    expect(['sku-10-b', 'sku-9-z', 'sku-10-a'].sort(compareIds)).toEqual(['sku-9-z', 'sku-10-a', 'sku-10-b']);
  });

  it('is exact for runs longer than a double holds, and total when values tie ("7" vs "007")', () => {
    expect(compareIds('12345678901234567890', '12345678901234567891')).toBeLessThan(0);
    expect(compareIds('007', '7')).toBeGreaterThan(0);
    expect(compareIds('7', '007')).toBeLessThan(0);
    expect(compareIds('x', 'x')).toBe(0);
  });

  it('is antisymmetric over a mixed sample', () => {
    const ids = ['1', '01', 'a1', 'a01', 'a1b', '', 'Z', 'z', '10x', '9x', '١'];
    for (const a of ids) for (const b of ids) expect(Math.sign(compareIds(a, b)) + Math.sign(compareIds(b, a)), `${a} vs ${b}`).toBe(0);
  });
});
