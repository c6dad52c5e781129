import type { Price } from '../config/config-schema.js';
import { addUsage, type Usage } from './usage.js';

/** Token counts of one call, as the provider reported them (or as estimated). */
export interface TokenCounts {
  readonly inputTokens: number | undefined;
  /** Part of inputTokens served from the provider's prompt cache (billed at the cached price). */
  readonly cachedInputTokens: number | undefined;
  readonly outputTokens: number | undefined;
}

export interface PricedUsage {
  readonly usage: Usage;
  /** Set when no price is configured for the model: cost is then undefined, never a guessed 0. */
  readonly warning?: string;
}

const PER_MILLION = 1_000_000;

/** Dollars for one call's tokens at a price (per 1M tokens); cached input at cachedInput when set. */
export function costOf(tokens: TokenCounts, price: Price): number | undefined {
  if (tokens.inputTokens === undefined || tokens.outputTokens === undefined) return undefined;
  const cached = Math.min(tokens.cachedInputTokens ?? 0, tokens.inputTokens);
  const uncached = tokens.inputTokens - cached;
  return (uncached * price.input + cached * (price.cachedInput ?? price.input) + tokens.outputTokens * price.output) / PER_MILLION;
}

/** Turns one call's token counts into a Usage with its dollar cost from the price table. */
export function priceUsage(model: string, tokens: TokenCounts, prices: Readonly<Record<string, Price>>): PricedUsage {
  const price = prices[model];
  const base = { inputTokens: tokens.inputTokens, cachedInputTokens: tokens.cachedInputTokens, outputTokens: tokens.outputTokens, calls: 1 };
  if (!price) {
    return { usage: { ...base, costUsd: undefined }, warning: `no price configured for model "${model}" (add it under /prices); cost is unknown` };
  }
  return { usage: { ...base, costUsd: costOf(tokens, price) } };
}

/**
 * The price table the Batch API bills by: each model's own `batch` prices where configured,
 * else its list prices less `discount` (0.5: half price). Feed it to priceUsage like the list.
 */
export function batchPrices(prices: Readonly<Record<string, Price>>, discount: number): Record<string, Price> {
  const off = (x: number) => x * (1 - discount);
  return Object.fromEntries(
    Object.entries(prices).map(([model, p]) => [
      model,
      p.batch ?? { input: off(p.input), output: off(p.output), ...(p.cachedInput !== undefined ? { cachedInput: off(p.cachedInput) } : {}) },
    ]),
  );
}

/** One usage with the labels it can be aggregated by. */
export interface UsageRecord {
  readonly usage: Usage;
  readonly runId?: string;
  readonly pageId?: string;
  readonly phase?: string;
  /** The cascade tier's role, e.g. "cheap". */
  readonly tier?: string;
  readonly model?: string;
}

export type UsageDimension = 'runId' | 'pageId' | 'phase' | 'tier' | 'model';

/** Sums usage per value of one label (records without it group under "(none)"), keys sorted. */
export function aggregateUsage(records: Iterable<UsageRecord>, by: UsageDimension): Record<string, Usage> {
  const groups = new Map<string, Usage>();
  for (const r of records) {
    const key = r[by] ?? '(none)';
    const sofar = groups.get(key);
    groups.set(key, sofar ? addUsage(sofar, r.usage) : r.usage);
  }
  return Object.fromEntries([...groups.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

/** Labels every paid cascade attempt (tier = its role), ready for aggregateUsage; skipped tiers cost nothing and are left out. */
export function usageRecordsFromAttempts(
  attempts: readonly { readonly role: string; readonly model: string | undefined; readonly usage: Usage; readonly outcome: string }[],
  labels: Pick<UsageRecord, 'runId' | 'pageId' | 'phase'> = {},
): UsageRecord[] {
  return attempts.filter((a) => a.outcome !== 'skipped').map((a) => ({ ...labels, tier: a.role, ...(a.model ? { model: a.model } : {}), usage: a.usage }));
}

/** Sum of every record. */
export function totalUsage(records: Iterable<UsageRecord>): Usage {
  return addUsage(...[...records].map((r) => r.usage));
}
