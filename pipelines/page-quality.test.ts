import { describe, expect, it } from 'vitest';
import { pageQuality, summariseQuality, formatRunQuality } from './page-quality.js';
import type { Filtered } from '../phases/filter/schema.js';
import type { Page } from '../phases/assemble/schema.js';

const pass = { pass: true, reason: 'ok' };
const fail = { pass: false, reason: 'no' };
const verdict = (coherent: boolean) => ({ criteria: { relevant_to_user: pass, coherent_title: coherent ? pass : fail, keywords_match_theme: pass, fit_for_grocery_page: pass }, confidence: 0.9 });
const filtered: Filtered = {
  pageTitle: 't',
  themes: [
    { id: 'a', title: 'A', description: 'd', categoryIds: [], departmentIds: [], keywords: [{ text: 'x', categoryIds: [], departmentIds: [], relevance: 0.8 }, { text: 'y', categoryIds: [], departmentIds: [], relevance: 0.6 }] },
    { id: 'b', title: 'B', description: 'd', categoryIds: [], departmentIds: [], keywords: [{ text: 'z', categoryIds: [], departmentIds: [], relevance: 0.4 }] },
  ],
  removals: [
    { step: 'dedup', kind: 'theme', themeId: 'c', item: 'C', reason: 'near-duplicate of A' },
    { step: 'dedup', kind: 'keyword', themeId: 'a', item: 'xx', reason: 'dup' },
    { step: 'judge', kind: 'theme', themeId: 'd', item: 'D', reason: 'failed coherent_title' },
    { step: 'policy', kind: 'keyword', themeId: 'b', item: 'beer', reason: 'alcohol' },
  ],
  judgements: [
    { themeId: 'a', role: 'local', model: 'm', verdict: verdict(true) },
    { themeId: 'b', role: 'local', model: 'm', verdict: verdict(true) },
    { themeId: 'd', role: 'local', model: 'm', verdict: verdict(false) },
  ],
};
const product = (id: string) => ({ productId: id, name: `p${id}`, categoryId: 'a1', departmentId: 'd1', keyword: 'x', score: 1 });
const page: Page = { userId: '1', pageTitle: 't', themes: [{ id: 'a', title: 'A', description: 'd', keywords: ['x', 'y'], products: [product('1'), product('2'), product('3')] }], dropped: [{ themeId: 'b', title: 'B', reason: 'too few products' }] };

describe('pageQuality', () => {
  it('counts proposals, removals per step and kind, judge passes per criterion, relevance and products', () => {
    const q = pageQuality(filtered, page);
    expect(q.themesProposed).toBe(4);
    expect(q.themesOnPage).toBe(1);
    expect(q.removed.dedup).toEqual({ themes: 1, keywords: 1 });
    expect(q.removed.judge).toEqual({ themes: 1, keywords: 0 });
    expect(q.removed.policy).toEqual({ themes: 0, keywords: 1 });
    expect(q.removed.relevance).toEqual({ themes: 0, keywords: 0 });
    expect(q.droppedInAssembly).toBe(1);
    expect(q.judge.coherent_title).toEqual({ pass: 2, total: 3 });
    expect(q.meanKeywordRelevance).toBeCloseTo(0.6);
    expect(q.products).toBe(3);
  });

  it('summarises pass rates over all judged themes of all pages', () => {
    const s = summariseQuality([pageQuality(filtered, page), pageQuality({ ...filtered, judgements: [{ themeId: 'a', role: 'local', model: 'm', verdict: verdict(true) }] }, page)])!;
    expect(s.judgePassRate.coherent_title).toBeCloseTo(3 / 4);
    expect(s.removedPerPage.dedup.themes).toBe(1);
    expect(formatRunQuality(s)).toMatch(/coherent_title 75%/);
    expect(summariseQuality([])).toBeUndefined();
  });
});
