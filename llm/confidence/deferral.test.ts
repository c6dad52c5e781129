import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../base/random.js';
import { DEFERRAL_VERSION, deferralScore, parseDeferralModel, trainDeferral, type DeferralRow, type DeferralSignals } from './deferral.js';

/**
 * Synthetic escalation records: an answer is accepted exactly when its value tokens were
 * confident and it needed no repair; the other signals are noise or missing at random.
 */
function rows(n: number, seed: number): DeferralRow[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, () => {
    const logprob = random();
    const repaired = random() < 0.2;
    const signals: DeferralSignals = {
      logprob,
      agreement: random() < 0.5 ? undefined : random(),
      selfReported: 0.5 + random() * 0.5,
      outputTokens: Math.floor(50 + random() * 500),
      repaired,
      retries: random() < 0.1 ? 1 : 0,
      finishReason: 'stop',
    };
    // A margin around the boundary keeps the set separable.
    return { signals, accepted: logprob > 0.55 && !repaired, margin: Math.abs(logprob - 0.55) };
  }).filter((r) => r.margin > 0.05).map(({ signals, accepted }) => ({ signals, accepted }));
}

describe('trainDeferral', () => {
  const train = rows(300, 1);
  const model = trainDeferral(train);

  it('learns a separable set: every training and held-out row on the right side of 0.5', () => {
    for (const r of [...train, ...rows(200, 2)]) expect(deferralScore(model, r.signals) >= 0.5).toBe(r.accepted);
  });

  it('weights the signal that decides the label, with the sign that makes sense', () => {
    const w = Object.fromEntries(model.features.map((f, j) => [f, model.coefficients[j]]));
    expect(w.logprob).toBeGreaterThan(1);
    expect(w.repaired).toBeLessThan(-0.5);
    expect(Math.abs(w.logOutputTokens)).toBeLessThan(Math.abs(w.logprob) / 2);
    expect(model.trainedOn.rows).toBe(train.length);
  });

  it('refuses one-class data, saying what it got', () => {
    const all = train.map((r) => ({ ...r, accepted: true }));
    expect(() => trainDeferral(all)).toThrow(`needs both accepted and rejected rows to learn from (got ${all.length} accepted, 0 rejected)`);
  });

  it('rejects a signal outside 0..1, naming the row', () => {
    const bad = [...train.slice(0, 3), { signals: { ...train[0].signals, logprob: 1.4 }, accepted: false }];
    expect(() => trainDeferral(bad)).toThrow(/row 3: logprob must be within 0..1/);
  });
});

describe('deferralScore', () => {
  const model = trainDeferral(rows(200, 3));

  it('stays within 0..1 for extreme and missing inputs', () => {
    const extremes: DeferralSignals[] = [
      { outputTokens: 0, repaired: false, retries: 0, finishReason: 'stop' },
      { logprob: 0, agreement: 0, selfReported: 0, outputTokens: 1e9, repaired: true, retries: 50, finishReason: 'length' },
      { logprob: 1, agreement: 1, selfReported: 1, outputTokens: 1, repaired: false, retries: 0, finishReason: 'stop' },
    ];
    for (const s of extremes) {
      const p = deferralScore(model, s);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThanOrEqual(1);
      expect(Number.isNaN(p)).toBe(false);
    }
  });

  it('ranks a confident, clean answer above an unsure, repaired one', () => {
    const base = { outputTokens: 200, retries: 0, finishReason: 'stop' };
    expect(deferralScore(model, { ...base, logprob: 0.9, repaired: false })).toBeGreaterThan(deferralScore(model, { ...base, logprob: 0.2, repaired: true }));
  });
});

describe('parseDeferralModel', () => {
  const model = trainDeferral(rows(100, 4));

  it('round-trips through JSON and scores the same', () => {
    const again = parseDeferralModel(JSON.parse(JSON.stringify(model)));
    const s: DeferralSignals = { logprob: 0.7, outputTokens: 120, repaired: false, retries: 0, finishReason: 'stop' };
    expect(deferralScore(again, s)).toBe(deferralScore(model, s));
    expect(again.version).toBe(DEFERRAL_VERSION);
  });

  it('names a wrong version and a malformed field', () => {
    expect(() => parseDeferralModel({ ...model, version: 'hubgen.deferral.v0' }, 'weights/deferral.json')).toThrow(/weights\/deferral.json .*version "hubgen.deferral.v0", this code reads hubgen.deferral.v1: retrain/);
    expect(() => parseDeferralModel({ ...model, coefficients: [1, 2] })).toThrow(/\/coefficients must NOT have fewer than 10 items/);
  });
});
