/**
 * The calibration section every eval report carries, and `hubgen calibrate` prints: what the
 * records are (honestly, including which of them a simulator produced), per tier the held-out
 * reliability and ECE, the threshold proposal, and two plots.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { ThresholdPoint } from '../../llm/confidence/calibration.js';
import { analyseCalibration, type CalibrationAnalysis, type CalibrationOptions, type TierCalibration } from './analysis.js';
import { reliabilitySpec, thresholdCurveSpec, tierName } from './charts.js';
import { AGREEMENT_JACCARD, JUDGED_THEMES_SHARE, labelRoles, type CalibrationRecord } from './records.js';

export interface SectionTable {
  readonly head: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

export interface CalibrationSection {
  /** Paragraphs: what the records are, what is simulated, how to read the tables. */
  readonly lines: readonly string[];
  /** The first of those: what the records are and what is simulated (the rest explain the labels). */
  readonly summary: readonly string[];
  readonly tables: readonly { readonly title: string; readonly note?: string; readonly table: SectionTable }[];
  readonly plots: readonly { readonly id: string; readonly title: string; readonly caption: string; readonly spec: TopLevelSpec }[];
  /** Undefined when there were no records. */
  readonly analysis: CalibrationAnalysis | undefined;
}

export interface CalibrationSectionInput {
  readonly records: readonly CalibrationRecord[] | undefined;
  /** Roles a simulator answered: their confidences and the labels they gave are placeholders. */
  readonly simulatedRoles: readonly string[];
  /** Where the records come from, in words ("variant cascaded of this eval", "12 runs under .hubgen/runs"). */
  readonly source: string;
  readonly options?: CalibrationOptions;
}

const pct = (x: number | undefined) => (x === undefined ? '–' : `${(x * 100).toFixed(1)}%`);
const num = (x: number | undefined, d = 3) => (x === undefined ? '–' : x.toFixed(d));
const cost = (p: ThresholdPoint | undefined, t: TierCalibration) => (p === undefined ? '–' : t.costBasis === 'usd' ? `$${p.costUsd.toPrecision(3)}` : `${pct(p.costUsd)} escalated`);

export const LABEL_RULES = [
  `An escalated answer is labelled by the stronger tier's answer that replaced it: accepted when their answer keys overlap by Jaccard ≥ ${AGREEMENT_JACCARD} (themes: the catalogue categories the themes cover; keywords: the keyword texts; judge: keep, or the criteria failed).`,
  `An accepted answer is labelled by Phase 3's judge: a themes answer when at least ${JUDGED_THEMES_SHARE * 100}% of its judged themes passed every criterion, a theme's keywords when the judge passed keywords_match_theme. A judge tier's verdict has nothing above it, so only its escalated verdicts are labelled.`,
  'Quality in the threshold curve is the share of final answers accepted: the tier\'s own when its confidence clears the threshold, else the stronger tier\'s. A stronger answer the judge never saw is counted acceptable (the tables say how many). Cost is dollars per item when escalations were paid for in these records, else the share escalated.',
  'Thresholds are proposed on the fit users and checked on the held-out users (split by a hash of the user id, so a user is always on one side); reliability and ECE are on held-out users.',
];

function honesty(records: readonly CalibrationRecord[], simulated: ReadonlySet<string>): string[] {
  if (simulated.size === 0) return ['No tier or label in these records came from a simulator: every confidence and every label is a real model\'s.'];
  const simulatedLabel = (r: CalibrationRecord) => labelRoles(r.label).some((role) => simulated.has(role));
  const simTier = records.filter((r) => simulated.has(r.role)).length;
  const simLabel = records.filter((r) => !simulated.has(r.role) && simulatedLabel(r)).length;
  const real = records.length - simTier - simLabel;
  return [
    `Simulated roles: ${[...simulated].join(', ')}. ${simTier} of ${records.length} records are answers of a simulated tier: their confidences are the simulator's (a random self-report, scripted logprobs), so their rows describe the simulator, not the model.`,
    `${simLabel} more are real tiers' answers labelled by a simulated role (a simulated stronger tier's placeholder answer, or a simulated judge): those labels are placeholders too.`,
    `${real} records are real on both sides: a local tier's confidence labelled by a local model (the rubric judge, or a real stronger tier). Read the local tiers' reliability and thresholds from those; read the rest as a demonstration of the machinery.`,
  ];
}

/** The section for a set of records; with none, says so and why. */
export function calibrationSection({ records, simulatedRoles, source, options }: CalibrationSectionInput): CalibrationSection {
  if (!records || records.length === 0) {
    const why = records
      ? `No calibration records in ${source}: no cascade answer was labelled (no escalation with recorded answers, and no judged themes).`
      : `No calibration records in ${source}: it was written before evals recorded them. Re-run the eval, or run hubgen calibrate on stored runs.`;
    return {
      lines: [why],
      summary: [why],
      tables: [],
      plots: [],
      analysis: undefined,
    };
  }
  const analysis = analyseCalibration(records, options);
  const simulated = new Set(simulatedRoles);
  const users = analysis.users.fit + analysis.users.heldOut;
  const summary = [
    `${records.length} labelled tier answers from ${users} users (${analysis.users.fit} fit, ${analysis.users.heldOut} held out), from ${source}. Target quality: ${pct(analysis.targetQuality)} of final answers accepted.`,
    ...honesty(records, simulated),
  ];
  // A label that never varies cannot tell good answers from bad: say so rather than let an ECE stand for calibration.
  for (const t of analysis.tiers) {
    const n = t.records.fit + t.records.heldOut;
    const share = t.records.accepted / n;
    if (n >= 20 && (share >= 0.98 || share <= 0.02)) {
      summary.push(`${tierName(t)}: ${pct(share)} of its ${n} labels are "${share >= 0.98 ? 'accepted' : 'rejected'}", so they cannot separate its good answers from its bad ones; its ECE only says how far its confidence sits from ${share >= 0.98 ? '100%' : '0%'}, and a stricter label source (an LLM judge) is needed to calibrate it.`);
    }
  }
  const lines = [...summary, ...LABEL_RULES];
  const sim = (role: string) => (simulated.has(role) ? ' (simulated)' : '');
  const recordsTable: SectionTable = {
    head: ['phase · tier', 'models', 'records fit / held-out', 'labelled by stronger tier / judge', 'share accepted', 'labels from simulated roles'],
    rows: analysis.tiers.map((t) => {
      const mine = records.filter((r) => r.phase === t.phase && r.role === t.role);
      return [`${tierName(t)}${sim(t.role)}`, t.models.join(', '), `${t.records.fit} / ${t.records.heldOut}`, `${t.records.strongerTier} / ${t.records.judge}`, pct(t.records.accepted / (t.records.fit + t.records.heldOut)), String(mine.filter((r) => labelRoles(r.label).some((role) => simulated.has(role))).length)];
    }),
  };
  const thresholds: SectionTable = {
    head: ['phase · tier', 'held-out ECE', 'current threshold → held-out quality, cost', 'proposed threshold (fit quality)', 'proposed → held-out quality, cost', 'stronger answers assumed acceptable'],
    rows: analysis.tiers.map((t) => {
      const p = t.proposal;
      const proposed = !p ? 'nothing to escalate to' : p.reached ? `${num(p.threshold, 3)} (${pct(p.quality)})` : `not reached; best ${num(p.best.threshold, 3)} (${pct(p.best.quality)})`;
      const at = (x: ThresholdPoint | undefined) => (x ? `${pct(x.quality)}, ${cost(x, t)}` : '–');
      return [`${tierName(t)}${sim(t.role)}`, num(t.ece), `${t.currentThreshold} → ${at(t.heldOutAtCurrent)}`, proposed, at(t.heldOutAtProposal), String(t.assumedStrongerAccepted)];
    }),
  };
  const reliability: SectionTable = {
    head: ['phase · tier', 'confidence bin', 'answers', 'mean confidence', 'share accepted', 'gap'],
    rows: analysis.tiers.flatMap((t) =>
      t.reliability
        .filter((b) => b.count > 0)
        .map((b) => [`${tierName(t)}${sim(t.role)}`, `${b.lo.toFixed(1)}–${b.hi.toFixed(1)}`, String(b.count), num(b.meanConfidence), pct(b.accuracy), num(b.accuracy! - b.meanConfidence!)]),
    ),
  };
  const plots = [
    { id: 'calibration-reliability', title: 'Calibration: reliability per tier (held-out users)', caption: 'Each confidence bin\'s mean confidence against the share of its answers the stronger tier or the judge accepted; on the dashed diagonal a tier\'s confidence means what it says. Dot size: answers in the bin.', spec: reliabilitySpec(analysis, simulated) },
    { id: 'calibration-thresholds', title: 'Calibration: cost–quality curve of thresholds (fit users)', caption: 'Every threshold a tier could have: mean cost per item against the share of final answers accepted. The large dot is the proposed threshold, the cheapest that reaches the target quality.', spec: thresholdCurveSpec(analysis, simulated) },
  ].filter((p): p is CalibrationSection['plots'][number] => p.spec !== undefined);
  return {
    lines,
    summary,
    tables: [
      { title: 'Calibration records per tier', table: recordsTable },
      { title: 'Calibration: expected calibration error and proposed thresholds', note: `Proposed: the cheapest threshold whose fit-user quality reaches ${pct(analysis.targetQuality)}; checked on held-out users beside the current threshold.`, table: thresholds },
      { title: 'Calibration: reliability table (held-out users)', table: reliability },
    ],
    plots,
    analysis,
  };
}
