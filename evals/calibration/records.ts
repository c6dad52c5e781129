/**
 * Calibration records: one per tier answer that something stronger passed verdict on. A cascade
 * answer is labelled by whichever stronger opinion exists for it:
 *
 * - escalated: the stronger tier's answer that replaced it. Agreement means its answer key (theme
 *   categories, keyword texts, a verdict's decision) overlaps the accepted one's by Jaccard ≥ 0.5.
 * - accepted: Phase 3's judge on the themes it produced. A themes answer is accepted when at least
 *   three quarters of its judged themes passed every criterion; a theme's keywords when the judge
 *   passed keywords_match_theme. A judge's own verdict has no judge above it, so only escalated
 *   verdicts are labelled.
 */
import { jaccard } from '../../llm/confidence/agreement.js';
import type { TierSignals } from '../../llm/confidence/signals.js';
import type { Artefact } from '../../kit/artefacts/artefact.js';
import type { Attempt } from '../../kit/cascade.js';
import { JUDGE_CRITERIA, type Filtered } from '../../phases/filter/schema.js';
import type { Themes } from '../../phases/themes/schema.js';

/** Two answer keys agree at this Jaccard overlap or more. */
export const AGREEMENT_JACCARD = 0.5;
/** A themes answer is accepted when this share of its judged themes passed every criterion. */
export const JUDGED_THEMES_SHARE = 0.75;

/** Phases whose cascades have tiers to calibrate. */
export const CALIBRATED_PHASES = ['themes', 'keywords', 'filter'] as const;
export type CalibratedPhase = (typeof CALIBRATED_PHASES)[number];

export interface CalibrationLabel {
  readonly accepted: boolean;
  readonly source: 'stronger-tier' | 'judge';
  /**
   * The role whose opinion the label is: the accepted tier, or the judge's role; several judge
   * roles joined with "+" when the themes' verdicts came from different tiers of the judge cascade.
   */
  readonly by: string;
  /** With a stronger-tier label: the Jaccard overlap of the two answer keys. */
  readonly overlap?: number;
}

export interface CalibrationRecord {
  readonly userId: string;
  readonly phase: CalibratedPhase;
  /** The cascade within the phase: "themes", "theme:<id>", "judge:<id>". */
  readonly step: string;
  readonly role: string;
  readonly model: string;
  readonly threshold: number;
  readonly confidence: number;
  readonly outcome: 'accepted' | 'escalated';
  /** Roles configured after this tier (run or not): the tiers an escalation reaches. */
  readonly laterRoles: readonly string[];
  /** Dollars this tier's attempt cost (undefined when unpriced). */
  readonly costUsd: number | undefined;
  /** When escalated: what the tiers after it cost. */
  readonly escalationCostUsd?: number;
  /** When escalated: whether the judge accepted the answer that replaced it (unknown for judge steps). */
  readonly strongerAccepted?: boolean;
  readonly signals?: TierSignals;
  readonly label: CalibrationLabel;
}

export interface PageArtefacts {
  readonly userId: string;
  readonly themes?: Artefact<Themes>;
  readonly keywords?: Artefact;
  readonly filter?: Artefact<Filtered>;
}

type Verdict = Filtered['judgements'][number];

/** The roles behind a label (a themes label can rest on verdicts from several judge tiers). */
export const labelRoles = (label: CalibrationLabel): string[] => label.by.split('+');

/** Every labelled record a page's artefacts hold, in phase and step order. */
export function calibrationRecords(page: PageArtefacts): CalibrationRecord[] {
  const judgements = new Map((page.filter?.data.judgements ?? []).map((j) => [j.themeId, j]));
  const out: CalibrationRecord[] = [];
  if (page.themes) {
    const judged = page.themes.data.themes.map((t) => judgements.get(t.id)).filter((j): j is Verdict => j !== undefined);
    const passed = judged.filter((j) => JUDGE_CRITERIA.every((c) => j.verdict.criteria[c].pass)).length;
    const judge = judged.length ? { accepted: passed / judged.length >= JUDGED_THEMES_SHARE, by: [...new Set(judged.map((j) => j.role))].sort().join('+') } : undefined;
    out.push(...cascadeRecords(page.userId, 'themes', 'themes', page.themes.provenance.attempts, judge));
  }
  for (const step of page.keywords?.provenance.steps ?? []) {
    const themeId = step.name.replace(/^theme:/, '');
    const j = judgements.get(themeId);
    out.push(...cascadeRecords(page.userId, 'keywords', step.name, step.attempts, j ? { accepted: j.verdict.criteria.keywords_match_theme.pass, by: j.role } : undefined));
  }
  for (const step of page.filter?.provenance.steps ?? []) out.push(...cascadeRecords(page.userId, 'filter', step.name, step.attempts, undefined));
  return out;
}

const costOf = (attempts: readonly Attempt[]) => attempts.reduce((s, a) => s + (a.usage.costUsd ?? 0), 0);

/** One cascade's records: each tier that answered, labelled by the answer that replaced it or by the judge. */
export function cascadeRecords(userId: string, phase: CalibratedPhase, step: string, attempts: readonly Attempt[], judge: { accepted: boolean; by: string } | undefined): CalibrationRecord[] {
  const acceptedIndex = attempts.findIndex((a) => a.accepted);
  const accepted = attempts[acceptedIndex];
  const out: CalibrationRecord[] = [];
  attempts.forEach((a, i) => {
    if (a.confidence === undefined || (a.outcome !== 'accepted' && a.outcome !== 'escalated')) return;
    const base = {
      userId,
      phase,
      step,
      role: a.role,
      model: a.model ?? 'unknown',
      threshold: a.threshold,
      confidence: a.confidence,
      laterRoles: attempts.slice(i + 1).map((x) => x.role),
      costUsd: a.usage.costUsd,
      ...(a.signals ? { signals: a.signals } : {}),
    };
    if (a.outcome === 'accepted') {
      if (judge) out.push({ ...base, outcome: 'accepted', label: { accepted: judge.accepted, source: 'judge', by: judge.by } });
      return;
    }
    // Escalated: only an answer a later tier gave, and kept, can say whether this one was right.
    if (!accepted || acceptedIndex < i || !a.answerKey || !accepted.answerKey) return;
    const overlap = jaccard(new Set(a.answerKey), new Set(accepted.answerKey));
    out.push({
      ...base,
      outcome: 'escalated',
      escalationCostUsd: costOf(attempts.slice(i + 1)),
      ...(judge ? { strongerAccepted: judge.accepted } : {}),
      label: { accepted: overlap >= AGREEMENT_JACCARD, source: 'stronger-tier', by: accepted.role, overlap: Math.round(overlap * 1000) / 1000 },
    });
  });
  return out;
}
