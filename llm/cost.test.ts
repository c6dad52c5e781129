import { describe, expect, it } from 'vitest';
import { aggregateUsage, batchPrices, costOf, priceUsage, totalUsage, usageRecordsFromAttempts, type UsageRecord } from './cost.js';
import { BUILTIN_DEFAULTS } from '../config/config.js';

const prices = BUILTIN_DEFAULTS.prices;

describe('costOf', () => {
  it('bills uncached input, cached input and output at their own prices per 1M tokens', () => {
    const price = { input: 2, cachedInput: 0.5, output: 8 };
    expect(costOf({ inputTokens: 1_000_000, cachedInputTokens: 0, outputTokens: 0 }, price)).toBeCloseTo(2, 10);
    expect(costOf({ inputTokens: 1000, cachedInputTokens: 400, outputTokens: 100 }, price)).toBeCloseTo((600 * 2 + 400 * 0.5 + 100 * 8) / 1e6, 12);
  });
  it('falls back to the input price for cached tokens when no cached price is set', () => {
    expect(costOf({ inputTokens: 1000, cachedInputTokens: 1000, outputTokens: 0 }, { input: 3, output: 1 })).toBeCloseTo(3000 / 1e6, 12);
  });
  it('is unknown when the token counts are unknown', () => {
    expect(costOf({ inputTokens: undefined, cachedInputTokens: undefined, outputTokens: 5 }, { input: 1, output: 1 })).toBeUndefined();
  });
});

describe('priceUsage', () => {
  it('prices a known model from the table', () => {
    const { usage, warning } = priceUsage('gpt-4o-mini', { inputTokens: 2000, cachedInputTokens: 1000, outputTokens: 500 }, prices);
    expect(warning).toBeUndefined();
    expect(usage.calls).toBe(1);
    expect(usage.costUsd).toBeCloseTo((1000 * 0.15 + 1000 * 0.075 + 500 * 0.6) / 1e6, 12);
  });
  it('leaves cost undefined with a warning naming the model when no price is known', () => {
    const { usage, warning } = priceUsage('llama-3-8b', { inputTokens: 10, cachedInputTokens: 0, outputTokens: 5 }, prices);
    expect(usage.costUsd).toBeUndefined();
    expect(usage.inputTokens).toBe(10);
    expect(warning).toMatch(/llama-3-8b/);
  });
});

describe('aggregateUsage', () => {
  const u = (inputTokens: number, costUsd: number | undefined) => ({ inputTokens, cachedInputTokens: 0, outputTokens: 1, costUsd, calls: 1 });
  const records: UsageRecord[] = [
    { usage: u(10, 0.1), phase: 'themes', tier: 'cheap', pageId: 'p1' },
    { usage: u(20, 0.2), phase: 'themes', tier: 'strong', pageId: 'p1' },
    { usage: u(5, undefined), phase: 'keywords', tier: 'cheap', pageId: 'p2' },
    { usage: u(1, 0), tier: 'local' },
  ];
  it('sums per phase, tier and page', () => {
    const byPhase = aggregateUsage(records, 'phase');
    expect(Object.keys(byPhase)).toEqual(['(none)', 'keywords', 'themes']);
    expect(byPhase.themes.inputTokens).toBe(30);
    expect(byPhase.themes.costUsd).toBeCloseTo(0.3, 12);
    expect(byPhase.themes.calls).toBe(2);
    expect(byPhase.keywords.costUsd).toBeUndefined();
    expect(byPhase.keywords.inputTokens).toBe(5);
    expect(aggregateUsage(records, 'tier').cheap.inputTokens).toBe(15);
    expect(aggregateUsage(records, 'pageId').p1.outputTokens).toBe(2);
  });
  it('totals a run', () => {
    const t = totalUsage(records);
    expect(t.inputTokens).toBe(36);
    expect(t.calls).toBe(4);
    expect(t.costUsd).toBeCloseTo(0.3, 12);
  });
});

describe('usageRecordsFromAttempts', () => {
  it('labels paid cascade attempts by tier and model, dropping skipped tiers', () => {
    const paid = { inputTokens: 100, cachedInputTokens: 0, outputTokens: 10, costUsd: 0.01, calls: 1 };
    const free = { inputTokens: 0, cachedInputTokens: 0, outputTokens: 0, costUsd: 0, calls: 0 };
    const records = usageRecordsFromAttempts(
      [
        { role: 'local', model: 'hubgen-local-v1', usage: { ...free, calls: 1 }, outcome: 'escalated' },
        { role: 'cheap', model: undefined, usage: free, outcome: 'skipped' },
        { role: 'strong', model: 'gpt-4o', usage: paid, outcome: 'accepted' },
      ],
      { phase: 'themes', pageId: 'u42' },
    );
    expect(records.map((r) => r.tier)).toEqual(['local', 'strong']);
    expect(records[1]).toEqual({ phase: 'themes', pageId: 'u42', tier: 'strong', model: 'gpt-4o', usage: paid });
    expect(aggregateUsage(records, 'phase').themes.costUsd).toBeCloseTo(0.01, 12);
  });
});

describe('batchPrices', () => {
  it('halves list prices by default and keeps a model its own batch prices', () => {
    const list = { 'gpt-4o-mini': { input: 0.15, cachedInput: 0.075, output: 0.6 }, 'gpt-4o': { input: 2.5, output: 10, batch: { input: 1, output: 4 } } };
    expect(batchPrices(list, 0.5)).toEqual({ 'gpt-4o-mini': { input: 0.075, cachedInput: 0.0375, output: 0.3 }, 'gpt-4o': { input: 1, output: 4 } });
    expect(batchPrices(list, 0)['gpt-4o-mini']).toEqual(list['gpt-4o-mini']);
    const tokens = { inputTokens: 1000, cachedInputTokens: 0, outputTokens: 500 };
    expect(priceUsage('gpt-4o-mini', tokens, batchPrices(list, 0.5)).usage.costUsd).toBeCloseTo(priceUsage('gpt-4o-mini', tokens, list).usage.costUsd! / 2, 12);
  });
});
