import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { runCascade, CascadeError, type TierFn } from './cascade.js';
import type { Role } from '../config/config.js';
import type { Usage } from '../llm/usage.js';
import { PendingBatchError } from '../llm/errors/pending-batch-error.js';

const logger = pino({ level: 'silent' });
let t = 0;
const clock = { now: () => 0, monotonic: () => (t += 5) };

const usage = (inputTokens: number, outputTokens: number, costUsd: number): Usage => ({ inputTokens, cachedInputTokens: 0, outputTokens, costUsd, calls: 1 });

function tier(confidence: number, output: string, u = usage(10, 5, 0.001)): TierFn<string, string> {
  return async () => ({ output, confidence, usage: u, model: `model-${output}` });
}

const run = (tiers: { role: Role; threshold: number }[], implementations: Partial<Record<Role, TierFn<string, string>>>, unavailable: Partial<Record<Role, string>> = {}) =>
  runCascade({ step: 'test', tiers, implementations, input: 'x', unavailableReason: (r) => unavailable[r], logger, clock });

describe('runCascade', () => {
  it('accepts the cheapest tier whose confidence clears its threshold and never calls later tiers', async () => {
    let strongCalls = 0;
    const r = await run(
      [{ role: 'local', threshold: 0.6 }, { role: 'strong', threshold: 0 }],
      { local: tier(0.8, 'local'), strong: async () => (strongCalls++, { output: 'strong', confidence: 1, usage: usage(1, 1, 1), model: 'm' }) },
    );
    expect(r.output).toBe('local');
    expect(r.role).toBe('local');
    expect(r.escalated).toBe(false);
    expect(strongCalls).toBe(0);
    expect(r.attempts).toHaveLength(1);
    expect(r.attempts[0]).toMatchObject({ role: 'local', accepted: true, outcome: 'accepted', confidence: 0.8 });
  });

  it('escalates on low confidence and records both attempts with their usage summed', async () => {
    const r = await run(
      [{ role: 'local', threshold: 0.6 }, { role: 'cheap', threshold: 0.7 }, { role: 'strong', threshold: 0 }],
      { local: tier(0.4, 'local', usage(0, 0, 0)), cheap: tier(0.75, 'cheap', usage(100, 50, 0.002)), strong: tier(1, 'strong') },
    );
    expect(r.output).toBe('cheap');
    expect(r.escalated).toBe(true);
    expect(r.attempts.map((a) => a.outcome)).toEqual(['escalated', 'accepted']);
    expect(r.attempts[0].reason).toMatch(/0\.400 < threshold 0\.6; escalating/);
    expect(r.usage).toMatchObject({ inputTokens: 100, outputTokens: 50, costUsd: 0.002, calls: 2 });
  });

  it('treats the boundary as clearing (confidence equal to threshold is accepted)', async () => {
    const r = await run([{ role: 'local', threshold: 0.6 }, { role: 'strong', threshold: 0 }], { local: tier(0.6, 'local'), strong: tier(1, 'strong') });
    expect(r.output).toBe('local');
  });

  it('skips unavailable tiers with their reason and accepts the last available tier whatever its confidence', async () => {
    const r = await run(
      [{ role: 'local', threshold: 0.9 }, { role: 'cheap', threshold: 0.7 }, { role: 'strong', threshold: 0.5 }],
      { local: tier(0.3, 'local'), cheap: tier(0.9, 'cheap'), strong: tier(0.9, 'strong') },
      { cheap: 'needs OPENAI_API_KEY', strong: 'needs OPENAI_API_KEY' },
    );
    expect(r.output).toBe('local');
    expect(r.attempts[0]).toMatchObject({ outcome: 'accepted', accepted: true });
    expect(r.attempts[0].reason).toMatch(/last available tier/);
    expect(r.attempts.slice(1).map((a) => [a.outcome, a.reason])).toEqual([
      ['skipped', 'needs OPENAI_API_KEY'],
      ['skipped', 'needs OPENAI_API_KEY'],
    ]);
  });

  it('escalates past a tier that throws and keeps the error in the attempt', async () => {
    const r = await run([{ role: 'cheap', threshold: 0.5 }, { role: 'strong', threshold: 0 }], {
      cheap: async () => {
        throw new Error('429 rate limited');
      },
      strong: tier(0.2, 'strong'),
    });
    expect(r.output).toBe('strong');
    expect(r.attempts[0]).toMatchObject({ outcome: 'failed', accepted: false });
    expect(r.attempts[0].reason).toMatch(/429 rate limited/);
  });

  it('falls back to the most confident earlier answer when the last tier fails', async () => {
    const r = await run([{ role: 'local', threshold: 0.9 }, { role: 'strong', threshold: 0 }], {
      local: tier(0.5, 'local'),
      strong: async () => {
        throw new Error('timeout');
      },
    });
    expect(r.output).toBe('local');
    expect(r.attempts.map((a) => a.outcome)).toEqual(['accepted', 'failed']);
  });

  it('throws a CascadeError carrying every attempt and the last error when nothing answers', async () => {
    const boom = new Error('500');
    const p = run([{ role: 'cheap', threshold: 0 }, { role: 'strong', threshold: 0 }], {
      cheap: async () => {
        throw new Error('first');
      },
      strong: async () => {
        throw boom;
      },
    });
    const err = await p.catch((e: unknown) => e);
    expect(CascadeError.isInstance(err)).toBe(true);
    expect((err as CascadeError).attempts).toHaveLength(2);
    expect((err as CascadeError).lastError).toBe(boom);
    expect((err as CascadeError).message).toMatch(/no tier produced an answer/);
  });

  it('skips a configured role the step has no implementation for', async () => {
    const r = await run([{ role: 'teacher', threshold: 0.5 }, { role: 'local', threshold: 0 }], { local: tier(0.1, 'local') });
    expect(r.output).toBe('local');
    expect(r.attempts[0]).toMatchObject({ role: 'teacher', outcome: 'skipped' });
  });

  it('passes a batch answer still to come through instead of escalating past it', async () => {
    let strongCalls = 0;
    const pending = new PendingBatchError('ab'.repeat(32), 'cheap');
    const err = await run(
      [{ role: 'cheap', threshold: 0.7 }, { role: 'strong', threshold: 0 }],
      { cheap: async () => { throw pending; }, strong: async () => (strongCalls++, { output: 's', confidence: 1, usage: usage(1, 1, 1), model: 'm' }) },
    ).catch((e: unknown) => e);
    expect(err).toBe(pending);
    expect(strongCalls).toBe(0);
  });

  it('records each tier\'s signals and answer key on its attempt, escalated or accepted, so calibration can compare them', async () => {
    const signals = { used: 'logprob' as const, logprob: 0.21, selfReported: 0.9, samples: 1, outputTokens: 40, repaired: false, retries: 0, finishReason: 'stop', earlyAborts: 0 };
    const r = await run([{ role: 'cheap', threshold: 0.7 }, { role: 'strong', threshold: 0 }], {
      cheap: async () => ({ output: 'cheap', confidence: 0.21, usage: usage(10, 5, 0.001), model: 'm-cheap', signals, answerKey: ['pasta', 'yogurt'] }),
      strong: async () => ({ output: 'strong', confidence: 0.9, usage: usage(10, 5, 0.01), model: 'm-strong', answerKey: ['pasta', 'bread'] }),
    });
    expect(r.attempts[0]).toMatchObject({ outcome: 'escalated', signals, answerKey: ['pasta', 'yogurt'] });
    expect(r.attempts[1]).toMatchObject({ outcome: 'accepted', answerKey: ['pasta', 'bread'] });
    // A tier that measured nothing records nothing: old provenance reads the same.
    expect('signals' in r.attempts[1]).toBe(false);
  });
});
