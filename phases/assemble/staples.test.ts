import { describe, expect, it } from 'vitest';
import { admits, assignStaples, type Shelf, type Staple } from './staples.js';

const s = (productId: string, categoryId: string, departmentId = 'd'): Staple => ({ productId, categoryId, departmentId });
const shelf = (categoryIds: string[], departmentIds: string[] = []): Shelf => ({ categoryIds, departmentIds });

describe('admits', () => {
  it('by category when the theme names any, else by department, else anything', () => {
    expect(admits(shelf(['fruit']), s('1', 'fruit'))).toBe(true);
    expect(admits(shelf(['fruit'], ['dairy']), s('1', 'milk', 'dairy'))).toBe(false);
    expect(admits(shelf([], ['dairy']), s('1', 'milk', 'dairy'))).toBe(true);
    expect(admits(shelf([]), s('1', 'milk'))).toBe(true);
  });
});

describe('assignStaples', () => {
  const noFit = () => 0;

  it('places staples likeliest first, each in a theme naming its category, up to each theme\'s capacity', () => {
    const staples = [s('a', 'fruit'), s('b', 'milk'), s('c', 'fruit'), s('d', 'fruit'), s('e', 'milk')];
    expect(assignStaples(staples, [shelf(['fruit']), shelf(['milk'])], 2, noFit)).toEqual([['a', 'c'], ['b', 'e']]);
  });

  it('passes over a staple no theme admits, so a later one takes the slot', () => {
    const staples = [s('a', 'fruit'), s('beer', 'beer'), s('b', 'fruit')];
    expect(assignStaples(staples, [shelf(['fruit'])], 2, noFit)).toEqual([['a', 'b']]);
  });

  it('moves an earlier staple to another theme that admits it when that makes room for a likelier one', () => {
    // a fits both themes and is placed in the first (its better fit); b fits only the first: a moves over.
    const staples = [s('a', 'fruit'), s('b', 'veg')];
    const shelves = [shelf(['fruit', 'veg']), shelf(['fruit'])];
    const fit = (theme: number) => (theme === 0 ? 1 : 0);
    expect(assignStaples(staples, shelves, 1, fit)).toEqual([['b'], ['a']]);
  });

  it('chooses, among the themes with room, the one the staple fits best', () => {
    const fit = (theme: number, id: string) => (id === 'a' ? theme : 0);
    expect(assignStaples([s('a', 'fruit')], [shelf(['fruit']), shelf(['fruit']), shelf(['fruit'])], 1, fit)).toEqual([[], [], ['a']]);
  });

  it('keeps the likeliest staples when there are more than the themes hold, and never places one twice', () => {
    const staples = Array.from({ length: 10 }, (_, i) => s(`p${i}`, i % 2 ? 'milk' : 'fruit'));
    const out = assignStaples(staples, [shelf(['fruit', 'milk']), shelf(['fruit', 'milk'])], 3, noFit);
    expect(out.flat().sort()).toEqual(['p0', 'p1', 'p2', 'p3', 'p4', 'p5']);
    expect(new Set(out.flat()).size).toBe(6);
  });
});
