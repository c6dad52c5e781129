import type { TopLevelSpec } from 'vega-lite';
import type { CalibrationAnalysis, TierCalibration } from './analysis.js';

const FONT = { font: 'system-ui, -apple-system, Segoe UI, Roboto, sans-serif' };
const config = { ...FONT, view: { stroke: '#ddd' }, axis: { labelFontSize: 11, titleFontSize: 12 }, legend: { labelFontSize: 11 } };

/** "themes · local" — a tier's name in tables and plot panels. */
export const tierName = (t: Pick<TierCalibration, 'phase' | 'role'>): string => `${t.phase} · ${t.role}`;

/** A panel says when its tier was simulated, as the tables do. */
const panelTitle = (t: TierCalibration, simulated: ReadonlySet<string>) => `${tierName(t)}${simulated.has(t.role) ? ' (simulated)' : ''}`;

/**
 * Reliability diagram, a panel per tier: each bin's mean confidence against the share of its
 * answers accepted (held-out users), dot size by count, beside the diagonal of perfect calibration.
 * Panels are concatenated rather than faceted so each layer carries its own data (no filters).
 */
export function reliabilitySpec(analysis: CalibrationAnalysis, simulated: ReadonlySet<string> = new Set()): TopLevelSpec | undefined {
  const tiers = analysis.tiers.filter((t) => t.reliability.some((b) => b.count > 0));
  if (tiers.length === 0) return undefined;
  const unit = (title: string) => ({ type: 'quantitative' as const, title, scale: { domain: [0, 1] }, axis: { format: '.0%' } });
  return {
    config,
    hconcat: tiers.map((t) => ({
      title: panelTitle(t, simulated),
      width: 170,
      height: 170,
      layer: [
        {
          data: { values: [{ c: 0, a: 0 }, { c: 1, a: 1 }] },
          mark: { type: 'line' as const, color: '#bbb', strokeDash: [4, 3] },
          encoding: { x: { field: 'c', ...unit('mean confidence in bin') }, y: { field: 'a', ...unit('share accepted') } },
        },
        {
          data: { values: t.reliability.filter((b) => b.count > 0).map((b) => ({ c: b.meanConfidence!, a: b.accuracy!, answers: b.count })) },
          mark: { type: 'line' as const, point: { filled: true, size: 50 }, color: '#4c78a8' },
          encoding: { x: { field: 'c', ...unit('mean confidence in bin') }, y: { field: 'a', ...unit('share accepted') }, tooltip: [{ field: 'answers', type: 'quantitative' as const }] },
        },
        {
          data: { values: t.reliability.filter((b) => b.count > 0).map((b) => ({ c: b.meanConfidence!, a: b.accuracy!, answers: b.count })) },
          mark: { type: 'circle' as const, color: '#4c78a8', opacity: 0.3 },
          encoding: { x: { field: 'c', type: 'quantitative' as const }, y: { field: 'a', type: 'quantitative' as const }, size: { field: 'answers', type: 'quantitative' as const, title: 'answers in bin', scale: { range: [20, 600] } } },
        },
      ],
    })),
  };
}

/**
 * The cost–quality curve of thresholds, a panel per tier (fit users): every threshold's mean cost
 * (or escalation share, when no escalation was paid for) against the share of final answers
 * accepted; the proposed threshold is the large red dot.
 */
export function thresholdCurveSpec(analysis: CalibrationAnalysis, simulated: ReadonlySet<string> = new Set()): TopLevelSpec | undefined {
  const tiers = analysis.tiers.filter((t) => t.curve && t.curve.length > 0);
  if (tiers.length === 0) return undefined;
  const x = (t: TierCalibration) => ({ field: 'cost', type: 'quantitative' as const, title: t.costBasis === 'usd' ? 'mean cost per item ($)' : 'share escalated', axis: { format: t.costBasis === 'usd' ? '$.3~g' : '.0%' } });
  // An explicit floor: a curve flat at 100% would otherwise collapse the axis to one tick.
  const y = (t: TierCalibration) => ({
    field: 'quality',
    type: 'quantitative' as const,
    title: 'share of final answers accepted',
    scale: { domain: [Math.max(0, Math.floor((Math.min(...t.curve!.map((p) => p.quality)) - 0.05) * 10) / 10), 1] },
    axis: { format: '.0%' },
  });
  return {
    config,
    hconcat: tiers.map((t) => {
      const chosen = t.proposal ? (t.proposal.reached ? t.proposal.threshold : t.proposal.best.threshold) : undefined;
      const points = t.curve!.map((p) => ({ threshold: p.threshold, cost: p.costUsd, quality: p.quality }));
      return {
        title: panelTitle(t, simulated),
        width: 190,
        height: 180,
        layer: [
          { data: { values: points }, mark: { type: 'line' as const, color: '#f58518', point: { size: 18, color: '#f58518' } }, encoding: { x: x(t), y: y(t), order: { field: 'threshold', type: 'quantitative' as const }, tooltip: [{ field: 'threshold', type: 'quantitative' as const }] } },
          { data: { values: points.filter((p) => p.threshold === chosen) }, mark: { type: 'point' as const, filled: true, size: 140, color: '#e45756' }, encoding: { x: x(t), y: y(t), tooltip: [{ field: 'threshold', type: 'quantitative' as const }] } },
        ],
      };
    }),
  };
}
