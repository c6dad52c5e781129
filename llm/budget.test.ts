import { describe, expect, it } from 'vitest';
import { createSpendBudget, withSpendBudget, worstCaseCostUsd } from './budget.js';
import { BudgetExceededError } from './errors/budget-exceeded-error.js';
import type { GenerateStructuredOptions, ModelRegistry, StructuredResult } from './registry.js';

const PRICES = { 'gpt-4o-mini': { input: 0.15, output: 0.6 } };
const CONFIG = { prices: PRICES, roles: { cheap: { provider: 'openai', model: 'gpt-4o-mini', maxOutputTokens: 200 } } };
const request: GenerateStructuredOptions = { role: 'cheap', schema: { type: 'object' }, schemaName: 's', messages: [{ role: 'user', content: 'pick themes for shopper 7' }] };
const WORST = worstCaseCostUsd(request, PRICES['gpt-4o-mini'], 200, 2)!;

/** A registry whose every call takes `ms` and costs `costUsd`, counting how many run at once. */
function fakeModels(costUsd: number, ms = 20): ModelRegistry & { peak: number; calls: number } {
  let open = 0;
  const fake = {
    peak: 0,
    calls: 0,
    unavailableReason: () => undefined,
    kindOf: () => 'llm' as const,
    cacheKey: () => 'gpt-4o-mini',
    modelId: () => 'gpt-4o-mini',
    generateStructured: async () => {
      fake.calls++;
      fake.peak = Math.max(fake.peak, ++open);
      await new Promise((r) => setTimeout(r, ms));
      open--;
      return { object: {}, usage: { inputTokens: 10, cachedInputTokens: 0, outputTokens: 10, costUsd, calls: 1 } } as unknown as StructuredResult<never>;
    },
  };
  return fake as never;
}

describe('createSpendBudget', () => {
  it('holds reservations against the limit, refuses what does not fit, and settles to the real cost', () => {
    const b = createSpendBudget(1);
    const a = b.reserve(0.6)!;
    expect(b.reserve(0.5)).toBeUndefined();
    expect(b.exhausted()).toBe(true);
    a.settle(0.1);
    a.settle(0.5); // a second settle changes nothing
    expect([b.spentUsd, b.reservedUsd]).toEqual([0.1, 0]);
    expect(b.reserve(0.9)).toBeDefined();
  });

  it('starts from what the run already spent (a resumed run)', () => {
    const b = createSpendBudget(1, 0.95);
    expect(b.reserve(0.1)).toBeUndefined();
  });
});

describe('withSpendBudget', () => {
  it('never lets calls in flight overshoot: with 8 at once, only those whose worst case fits start', async () => {
    const inner = fakeModels(WORST / 4);
    const budget = createSpendBudget(WORST * 3.5);
    const models = withSpendBudget(inner, budget, CONFIG as never);
    const outcomes = await Promise.allSettled(Array.from({ length: 8 }, () => models.generateStructured(request)));
    // Three worst cases fit at once; each then settles to a quarter of its hold, which frees room for more later calls.
    expect(inner.peak).toBe(3);
    expect(budget.spentUsd).toBeLessThanOrEqual(budget.limitUsd);
    expect(budget.reservedUsd).toBeCloseTo(0, 12);
    const refused = outcomes.filter((o) => o.status === 'rejected');
    expect(refused.length).toBe(8 - inner.calls);
    expect(refused.every((o) => BudgetExceededError.isInstance((o as PromiseRejectedResult).reason))).toBe(true);
    expect((refused[0] as PromiseRejectedResult).reason.message).toMatch(/^budget of \$[\d.e-]+ reached: a cheap call could cost up to \$/);
  });

  it('settles a failed call to what its attempts cost', async () => {
    const budget = createSpendBudget(1);
    const failing = { ...fakeModels(0), generateStructured: async () => Promise.reject(Object.assign(new Error('refused'), { usage: { costUsd: 0.002 } })) };
    await expect(withSpendBudget(failing as never, budget, CONFIG as never).generateStructured(request)).rejects.toThrow('refused');
    expect([budget.spentUsd, budget.reservedUsd]).toEqual([0.002, 0]);
  });

  it('lets an unpriced model through untouched (nothing to count it in)', async () => {
    const budget = createSpendBudget(0);
    const models = withSpendBudget(fakeModels(0), budget, { prices: {}, roles: CONFIG.roles } as never);
    await expect(models.generateStructured(request)).resolves.toBeDefined();
  });
});

describe('worstCaseCostUsd', () => {
  it('prices every call a request may make, each retry with the previous reply and feedback in its prompt', () => {
    const one = worstCaseCostUsd(request, PRICES['gpt-4o-mini'], 200, 1)!;
    expect(one).toBeGreaterThan((200 * 0.6) / 1e6);
    expect(WORST).toBeGreaterThan(2 * one);
    expect(worstCaseCostUsd(request, undefined, 200, 2)).toBeUndefined();
  });
});
