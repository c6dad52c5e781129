import { describe, expect, it } from 'vitest';
import { pageParam, paginate } from './pagination.js';

describe('pageParam', () => {
  it('reads a positive integer and falls back to 1 for anything else', () => {
    expect(pageParam('3')).toBe(3);
    for (const bad of [undefined, '', '0', '-2', '1.5', 'two', '1e999']) expect(pageParam(bad)).toBe(1);
  });
});

describe('paginate', () => {
  const items = Array.from({ length: 45 }, (_, i) => i);

  it('slices one page and reports totals', () => {
    const p = paginate(items, 2, 20);
    expect(p.items).toEqual(items.slice(20, 40));
    expect(p).toMatchObject({ page: 2, pageSize: 20, total: 45, pages: 3 });
  });

  it('clamps a page past the end to the last page', () => {
    expect(paginate(items, 9, 20)).toMatchObject({ page: 3, items: [40, 41, 42, 43, 44] });
  });

  it('has one empty page when there is nothing', () => {
    expect(paginate([], 1, 20)).toMatchObject({ page: 1, pages: 1, total: 0, items: [] });
  });
});
