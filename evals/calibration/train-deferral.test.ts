import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../base/random.js';
import type { TierSignals } from '../../llm/confidence/signals.js';
import type { CalibrationRecord } from './records.js';
import { trainDeferralFromRecords } from './train-deferral.js';

/**
 * A cheap LLM tier that always reports 0.9 but whose answer the strong tier agrees with as often
 * as its value tokens were probable: the self-report is useless, the logprob is the signal.
 */
function records(n: number, seed: number): CalibrationRecord[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, (_, i) => {
    const logprob = random();
    const signals: TierSignals = { used: 'selfReported', selfReported: 0.9, logprob, samples: 1, outputTokens: 80 + Math.floor(random() * 40), repaired: false, retries: 0, finishReason: 'stop', earlyAborts: 0 };
    return {
      userId: `u${i}`,
      phase: 'keywords',
      step: 'theme:t',
      role: 'cheap',
      model: 'gpt-4o-mini',
      threshold: 0.7,
      confidence: 0.9,
      outcome: 'escalated',
      laterRoles: ['teacher'],
      costUsd: 0.0002,
      escalationCostUsd: 0.002,
      signals,
      label: { accepted: random() < logprob, source: 'stronger-tier', by: 'teacher' },
    };
  });
}

describe('trainDeferralFromRecords', () => {
  it('learns from recorded escalations and beats the self-report on held-out users', () => {
    const local: CalibrationRecord[] = records(50, 9).map((r) => ({ ...r, role: 'student', signals: undefined }));
    const t = trainDeferralFromRecords([...records(600, 1), ...local], { phase: 'keywords', holdout: 0.5 });
    // The student records no signals, so the LLM tier is the one learned from.
    expect(t.role).toBe('cheap');
    expect(t.fitRows + t.heldOut!.deferral.rows).toBe(600);
    const w = Object.fromEntries(t.model.features.map((f, j) => [f, t.model.coefficients[j]]));
    expect(w.logprob).toBeGreaterThan(1);
    expect(t.heldOut!.deferral.ece).toBeLessThan(0.1);
    expect(t.heldOut!.recorded.ece).toBeGreaterThan(0.3);
    expect(t.heldOut!.deferral.brier).toBeLessThan(t.heldOut!.recorded.brier);
  });

  it('says what is missing when no tier recorded signals, or only one label was ever given', () => {
    const local = records(20, 2).map((r) => ({ ...r, signals: undefined }));
    expect(() => trainDeferralFromRecords(local, { phase: 'keywords', holdout: 0.5 })).toThrow(/no keywords answers with recorded signals to learn from: only LLM tiers record them/);
    const agreed = records(40, 3).map((r) => ({ ...r, label: { ...r.label, accepted: true } }));
    expect(() => trainDeferralFromRecords(agreed, { phase: 'keywords', holdout: 0.5 })).toThrow(/keywords · cheap: trainDeferral needs both accepted and rejected rows/);
  });

  it('passes over a last tier by default (a deferral score there decides nothing), unless named', () => {
    const last = records(200, 4).map((r) => ({ ...r, role: 'teacher', threshold: 0, laterRoles: [] }));
    expect(() => trainDeferralFromRecords(last, { phase: 'keywords', holdout: 0.5 })).toThrow(/\(teacher\) are all last in their cascade, with nothing to escalate to; name one with --tier/);
    expect(trainDeferralFromRecords(last, { phase: 'keywords', role: 'teacher', holdout: 0.5 }).role).toBe('teacher');
    expect(trainDeferralFromRecords([...last, ...records(200, 5)], { phase: 'keywords', holdout: 0.5 }).role).toBe('cheap');
  });
});
