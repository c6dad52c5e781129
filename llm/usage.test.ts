import { describe, expect, it } from 'vitest';
import { addUsage, ZERO_USAGE, type Usage } from './usage.js';

const u = (inputTokens: number | undefined, costUsd: number | undefined): Usage => ({ inputTokens, cachedInputTokens: undefined, outputTokens: 2, costUsd, calls: 1 });

describe('addUsage', () => {
  it('sums known counts and calls', () => {
    const s = addUsage(u(3, 0.5), u(4, 0.25));
    expect(s).toEqual({ inputTokens: 7, cachedInputTokens: undefined, outputTokens: 4, costUsd: 0.75, calls: 2 });
  });
  it('keeps a count unknown only when every part is unknown', () => {
    expect(addUsage(u(undefined, undefined), u(undefined, undefined)).costUsd).toBeUndefined();
    expect(addUsage(u(undefined, undefined)).inputTokens).toBeUndefined();
    expect(addUsage(u(undefined, 0.1), u(5, undefined))).toMatchObject({ inputTokens: 5, costUsd: 0.1 });
  });
  it('sums output tokens saved by early aborts, and leaves the field out when nothing was saved', () => {
    expect(addUsage(u(1, 0), { ...u(1, 0), savedOutputTokens: 40 }, { ...u(1, 0), savedOutputTokens: 2 }).savedOutputTokens).toBe(42);
    expect('savedOutputTokens' in addUsage(u(1, 0), u(2, 0))).toBe(false);
  });
  it('is ZERO_USAGE for no parts', () => {
    expect(addUsage()).toEqual(ZERO_USAGE);
  });
});
