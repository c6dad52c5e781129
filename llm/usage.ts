/**
 * Token usage of one model call. Counts are `number | undefined` so that
 * "the provider did not say" never reads as 0.
 */
export interface Usage {
  readonly inputTokens: number | undefined;
  readonly cachedInputTokens: number | undefined;
  readonly outputTokens: number | undefined;
  /** Dollars, from the configured price table; 0 for local models, undefined when no price is known. */
  readonly costUsd: number | undefined;
  /** Model calls this usage covers (a repair retry is a second call). */
  readonly calls: number;
  /** Output tokens not generated because a streamed reply was stopped early (an estimate); absent when none were. */
  readonly savedOutputTokens?: number;
}

export const ZERO_USAGE: Usage = {
  inputTokens: 0,
  cachedInputTokens: 0,
  outputTokens: 0,
  costUsd: 0,
  calls: 0,
};

const addMaybe = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined || b === undefined ? (a ?? b) : a + b;

/** Sum usages; an unknown count stays unknown only when every part is unknown. */
export function addUsage(...parts: Usage[]): Usage {
  // Fold from the first part, not from ZERO_USAGE: starting at 0 would turn an all-unknown sum into 0.
  if (parts.length === 0) return ZERO_USAGE;
  return parts.reduce((acc, u) => {
    const saved = addMaybe(acc.savedOutputTokens, u.savedOutputTokens);
    return {
      inputTokens: addMaybe(acc.inputTokens, u.inputTokens),
      cachedInputTokens: addMaybe(acc.cachedInputTokens, u.cachedInputTokens),
      outputTokens: addMaybe(acc.outputTokens, u.outputTokens),
      costUsd: addMaybe(acc.costUsd, u.costUsd),
      calls: acc.calls + u.calls,
      // Only present when some part saved something, so usage without early abort looks as it always did.
      ...(saved !== undefined ? { savedOutputTokens: saved } : {}),
    };
  });
}
