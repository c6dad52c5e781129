import { describe, expect, it } from 'vitest';
import type { Artefact, Provenance } from '../../kit/artefacts/artefact.js';
import type { Attempt } from '../../kit/cascade.js';
import type { Filtered, JudgeVerdict } from '../../phases/filter/schema.js';
import type { Themes } from '../../phases/themes/schema.js';
import { calibrationRecords } from './records.js';

const usage = (costUsd: number) => ({ inputTokens: 10, cachedInputTokens: 0, outputTokens: 5, costUsd, calls: costUsd ? 1 : 0 });
const attempt = (role: Attempt['role'], outcome: Attempt['outcome'], confidence: number | undefined, answerKey?: string[], costUsd = 0): Attempt => ({
  role,
  model: `${role}-model`,
  threshold: 0.6,
  confidence,
  accepted: outcome === 'accepted',
  usage: usage(costUsd),
  latencyMs: 1,
  reason: outcome,
  outcome,
  ...(answerKey ? { answerKey } : {}),
});
const artefact = <T>(data: T, provenance: Partial<Provenance>): Artefact<T> =>
  ({ hash: 'h', key: {} as never, createdAt: '', data, checksum: '', provenance: { attempts: [], usage: usage(0), latencyMs: 1, role: 'x', model: 'x', confidence: 1, ...provenance } }) as Artefact<T>;

const verdict = (fail: string[] = []): JudgeVerdict => ({
  criteria: Object.fromEntries(['relevant_to_user', 'coherent_title', 'keywords_match_theme', 'fit_for_grocery_page'].map((c) => [c, { pass: !fail.includes(c), reason: 'r' }])) as JudgeVerdict['criteria'],
  confidence: 0.9,
});
const theme = (id: string) => ({ id, kind: 'staples' as const, title: id, description: 'd', concepts: [], categories: [], departments: [], confidence: 0.8 });

describe('calibrationRecords', () => {
  const themes = artefact<Themes>({ pageTitle: 'p', themes: ['t1', 't2', 't3', 't4'].map(theme) }, {
    attempts: [attempt('local', 'escalated', 0.4, ['milk', 'pasta', 'yogurt']), attempt('cheap', 'accepted', 0.8, ['milk', 'pasta', 'bread'], 0.002), attempt('strong', 'skipped', undefined)],
  });
  const filter = artefact<Filtered>(
    {
      pageTitle: 'p',
      themes: [],
      removals: [],
      judgements: [
        { themeId: 't1', role: 'local', model: 'rubric', verdict: verdict(['keywords_match_theme']) },
        { themeId: 't2', role: 'local', model: 'rubric', verdict: verdict() },
        { themeId: 't3', role: 'local', model: 'rubric', verdict: verdict() },
        { themeId: 't4', role: 'cheap', model: 'gpt', verdict: verdict() },
      ],
    },
    { steps: [{ name: 'judge:t1', attempts: [attempt('local', 'escalated', 0.5, ['keep']), attempt('cheap', 'accepted', 0.9, ['fail:keywords_match_theme'], 0.001)] }] },
  );
  const keywords = artefact({}, { steps: [{ name: 'theme:t1', attempts: [attempt('student', 'accepted', 0.7, ['greek yogurt'])] }, { name: 'theme:t2', attempts: [attempt('student', 'accepted', 0.3, ['milk'])] }] });
  const records = calibrationRecords({ userId: 'u1', themes, keywords, filter });

  it('labels an escalated answer by the stronger tier\'s: Jaccard of the answer keys ≥ 0.5 agrees', () => {
    const local = records.find((r) => r.phase === 'themes' && r.role === 'local')!;
    // {milk, pasta, yogurt} vs {milk, pasta, bread}: 2 of 4.
    expect(local).toMatchObject({ outcome: 'escalated', confidence: 0.4, laterRoles: ['cheap', 'strong'], escalationCostUsd: 0.002, label: { accepted: true, source: 'stronger-tier', by: 'cheap', overlap: 0.5 } });
    // The cheap answer that replaced it had 3 of 4 judged themes pass: the judge accepted it.
    expect(local.strongerAccepted).toBe(true);
  });

  it('labels an accepted answer by the judge: three quarters of its themes passing, or the theme\'s keywords criterion', () => {
    // Three themes were judged by the rubric and one by the cheap judge: the label rests on both.
    expect(records.find((r) => r.phase === 'themes' && r.role === 'cheap')).toMatchObject({ outcome: 'accepted', label: { accepted: true, source: 'judge', by: 'cheap+local' }, costUsd: 0.002 });
    const kw = records.filter((r) => r.phase === 'keywords');
    expect(kw.map((r) => [r.step, r.label.accepted])).toEqual([
      ['theme:t1', false],
      ['theme:t2', true],
    ]);
  });

  it('labels a judge tier only when a stronger judge replaced it, comparing decisions', () => {
    const judge = records.filter((r) => r.phase === 'filter');
    expect(judge).toHaveLength(1);
    expect(judge[0]).toMatchObject({ role: 'local', step: 'judge:t1', label: { accepted: false, source: 'stronger-tier', overlap: 0 } });
  });

  it('gives nothing for a tier that never answered, or an escalation whose answers were not recorded (older artefacts)', () => {
    expect(records.some((r) => r.role === 'strong')).toBe(false);
    const old = artefact<Themes>({ pageTitle: 'p', themes: [] }, { attempts: [attempt('local', 'escalated', 0.4), attempt('cheap', 'accepted', 0.8)] });
    expect(calibrationRecords({ userId: 'u', themes: old })).toEqual([]);
  });
});
