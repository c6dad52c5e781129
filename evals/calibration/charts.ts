import type { TopLevelSpec } from 'vega-lite';
import type { CalibrationAnalysis, TierCalibration } from './analysis.js';

const FONT = { font: 'system-ui, -apple-system, Segoe UI, Roboto, sans-serif' };
const config = { ...FONT, view: { stroke: '#ddd' }, axis: { labelFontSize: 11, titleFontSize: 12 }, legend: { labelFontSize: 11 } };

/** "themes · local" — a tier's name in tables and plot panels. */
export const tierName = (t: Pick<TierCalibration, 'phase' | 'role'>): string => `${t.phase} · ${t.role}`;

/**
 * Reliability diagram, a panel per tier: each bin's mean confidence against the share of its
 * answers accepted (held-out users), dot size by count, beside the diagonal of perfect calibration.
 */
export function reliabilitySpec(analysis: CalibrationAnalysis): TopLevelSpec | undefined {
  const tiers = analysis.tiers.filter((t) => t.reliability.some((b) => b.count > 0));
  if (tiers.length === 0) return undefined;
  const rows = tiers.flatMap((t) => [
    ...t.reliability.filter((b) => b.count > 0).map((b) => ({ tier: tierName(t), series: 'tier', confidence: b.meanConfidence!, accepted: b.accuracy!, answers: b.count })),
    { tier: tierName(t), series: 'perfectly calibrated', confidence: 0, accepted: 0, answers: 0 },
    { tier: tierName(t), series: 'perfectly calibrated', confidence: 1, accepted: 1, answers: 0 },
  ]);
  const unit = { type: 'quantitative' as const, scale: { domain: [0, 1] }, axis: { format: '.0%' } };
  return {
    config,
    data: { values: rows },
    facet: { column: { field: 'tier', type: 'nominal', title: null, sort: tiers.map(tierName) } },
    spec: {
      width: 170,
      height: 170,
      layer: [
        { transform: [{ filter: { field: 'series', equal: 'perfectly calibrated' } }], mark: { type: 'line', color: '#bbb', strokeDash: [4, 3] }, encoding: { x: { field: 'confidence', ...unit }, y: { field: 'accepted', ...unit } } },
        {
          transform: [{ filter: { field: 'series', equal: 'tier' } }],
          mark: { type: 'line', point: { filled: true }, color: '#4c78a8' },
          encoding: { x: { field: 'confidence', ...unit, title: 'mean confidence in bin' }, y: { field: 'accepted', ...unit, title: 'share accepted' } },
        },
        {
          transform: [{ filter: { field: 'series', equal: 'tier' } }],
          mark: { type: 'circle', color: '#4c78a8', opacity: 0.35 },
          encoding: { x: { field: 'confidence', ...unit }, y: { field: 'accepted', ...unit }, size: { field: 'answers', type: 'quantitative', title: 'answers in bin' } },
        },
      ],
    },
  };
}

/**
 * The cost–quality curve of thresholds, a panel per tier (fit users): every threshold's mean cost
 * (or escalation share, when no escalation was paid for) against the share of final answers
 * accepted; the proposed threshold is the larger dot.
 */
export function thresholdCurveSpec(analysis: CalibrationAnalysis): TopLevelSpec | undefined {
  const tiers = analysis.tiers.filter((t) => t.curve && t.curve.length > 0);
  if (tiers.length === 0) return undefined;
  const rows = tiers.flatMap((t) => {
    const chosen = t.proposal ? (t.proposal.reached ? t.proposal.threshold : t.proposal.best.threshold) : undefined;
    return t.curve!.map((p) => ({
      tier: `${tierName(t)}${t.costBasis === 'escalations' ? ' (cost = share escalated)' : ''}`,
      threshold: p.threshold,
      cost: p.costUsd,
      quality: p.quality,
      point: p.threshold === chosen ? 'proposed' : 'threshold',
    }));
  });
  return {
    config,
    data: { values: rows },
    facet: { column: { field: 'tier', type: 'nominal', title: null } },
    resolve: { scale: { x: 'independent' } },
    spec: {
      width: 190,
      height: 180,
      layer: [
        { mark: { type: 'line', color: '#f58518' }, encoding: { x: { field: 'cost', type: 'quantitative', title: 'mean cost per item', axis: { format: '.3~g' } }, y: { field: 'quality', type: 'quantitative', title: 'share of final answers accepted', scale: { zero: false }, axis: { format: '.0%' } }, order: { field: 'threshold', type: 'quantitative' } } },
        {
          mark: { type: 'point', filled: true },
          encoding: {
            x: { field: 'cost', type: 'quantitative' },
            y: { field: 'quality', type: 'quantitative' },
            size: { field: 'point', type: 'nominal', scale: { domain: ['threshold', 'proposed'], range: [18, 140] }, title: null },
            color: { field: 'point', type: 'nominal', scale: { domain: ['threshold', 'proposed'], range: ['#f58518', '#e45756'] }, title: null },
            tooltip: [{ field: 'threshold', type: 'quantitative' }],
          },
        },
      ],
    },
  };
}
