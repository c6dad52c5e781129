import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../base/random.js';
import { analyseCalibration, cascadeItems, isHeldOut } from './analysis.js';
import type { CalibrationRecord } from './records.js';

/** One record per user for a tier whose answers are accepted with probability `accept(confidence)`. */
function tierRecords(role: string, users: number, accept: (c: number) => number, seed: number, extra: Partial<CalibrationRecord> = {}): CalibrationRecord[] {
  const random = seededRandom(seed);
  return Array.from({ length: users }, (_, i) => {
    const confidence = random();
    return {
      userId: `u${i}`,
      phase: 'themes',
      step: 'themes',
      role,
      model: `${role}-m`,
      threshold: 0.6,
      confidence,
      outcome: 'accepted',
      laterRoles: ['strong'],
      costUsd: 0,
      label: { accepted: random() < accept(confidence), source: 'judge', by: 'local' },
      ...extra,
    };
  });
}

describe('isHeldOut', () => {
  it('splits users stably at about the asked share', () => {
    const ids = Array.from({ length: 2000 }, (_, i) => String(i));
    const share = ids.filter((id) => isHeldOut(id, 0.3)).length / ids.length;
    expect(share).toBeGreaterThan(0.27);
    expect(share).toBeLessThan(0.33);
    expect(ids.filter((id) => isHeldOut(id, 0.3))).toEqual(ids.filter((id) => isHeldOut(id, 0.3)));
  });
});

describe('analyseCalibration', () => {
  const calibrated = tierRecords('local', 1200, (c) => c, 1);
  const overconfident = tierRecords('cheap', 1200, (c) => c / 3, 2, { laterRoles: [], threshold: 0 });
  const analysis = analyseCalibration([...calibrated, ...overconfident], { targetQuality: 0.9, holdout: 0.5 });
  const [local, cheap] = analysis.tiers;

  it('reports the reliability of each tier on held-out users: a calibrated tier has a small ECE, an overconfident one a large one', () => {
    expect(local.role).toBe('local');
    expect(local.records.heldOut + local.records.fit).toBe(1200);
    expect(local.reliability.reduce((n, b) => n + b.count, 0)).toBe(local.records.heldOut);
    expect(local.ece).toBeLessThan(0.06);
    // Accepted at a third of its confidence: the gap averages about a third of the mean confidence.
    expect(cheap.ece).toBeGreaterThan(0.25);
    // About 60 answers a bin: within three standard errors of the diagonal.
    for (const b of local.reliability.filter((b) => b.count > 30)) expect(Math.abs(b.accuracy! - b.meanConfidence!)).toBeLessThan(0.2);
  });

  it('proposes the cheapest threshold reaching the target on fit users and checks it on held-out ones', () => {
    // Escalated answers count as acceptable (no stronger answer was judged), and nothing was paid for one: cost is the escalation share.
    expect(local.costBasis).toBe('escalations');
    expect(local.assumedStrongerAccepted).toBe(1200);
    expect(local.proposal).toMatchObject({ reached: true });
    const p = local.proposal as { threshold: number; quality: number };
    // Accepting c ≥ t keeps quality (1 − t²)/2 + t ≥ 0.9 from t ≈ 0.55 up.
    expect(p.threshold).toBeGreaterThan(0.45);
    expect(p.threshold).toBeLessThan(0.65);
    expect(local.heldOutAtProposal!.quality).toBeGreaterThan(0.86);
    expect(local.heldOutAtProposal!.escalationRate).toBeCloseTo(p.threshold, 1);
    expect(local.heldOutAtCurrent!.threshold).toBe(0.6);
  });

  it('draws no curve for a tier with nothing after it (the last tier, threshold 0)', () => {
    expect(cheap.curve).toBeUndefined();
    expect(cheap.proposal).toBeUndefined();
  });

  it('still draws one for a tier that cleared its threshold every time, so no record shows the tier after it', () => {
    const cleared = analyseCalibration(tierRecords('student', 200, (c) => c, 4, { laterRoles: [], threshold: 0.55 }), { holdout: 0.5 });
    expect(cleared.tiers[0].curve).toBeDefined();
  });

  it('counts fit and held-out users once each', () => {
    expect(analysis.users.fit + analysis.users.heldOut).toBe(1200);
  });
});

describe('cascadeItems', () => {
  it('prices an escalation by what it cost, and an accepted answer by the mean of what escalations cost', () => {
    const base = tierRecords('local', 2, () => 1, 3);
    const escalated: CalibrationRecord = { ...base[0], outcome: 'escalated', escalationCostUsd: 0.004, strongerAccepted: false, label: { accepted: false, source: 'stronger-tier', by: 'cheap' } };
    const { items, costBasis, assumed } = cascadeItems([escalated, base[1]], 0.003);
    expect(costBasis).toBe('usd');
    expect(items.map((i) => [i.strongCostUsd, i.strongCorrect])).toEqual([
      [0.004, false],
      [0.003, true],
    ]);
    expect(assumed).toBe(1);
  });
});
