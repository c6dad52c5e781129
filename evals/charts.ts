import { compile, type TopLevelSpec } from 'vega-lite';
import { parse, View } from 'vega';
import type { EvalResult } from './runner.js';

/**
 * Vega-Lite specs for the report, rendered to SVG in Node: Vega-Lite compiles to Vega, and a
 * headless Vega View (renderer "none") serialises the scene to SVG. No browser, no canvas package.
 */

/** Renders one Vega-Lite spec to a standalone SVG string. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const FONT = { font: 'system-ui, -apple-system, Segoe UI, Roboto, sans-serif' };
const config = { ...FONT, view: { stroke: '#ddd' }, axis: { labelFontSize: 11, titleFontSize: 12 }, legend: { labelFontSize: 11, labelLimit: 320 } };

/** One dot per variant and baseline: mean cost per page against mean quality, one panel per quality metric. */
export function costQualitySpec(result: EvalResult): TopLevelSpec | undefined {
  const metrics = [
    ['targetRecall', 'target recall'],
    ['targetCategoryCoverage', 'target category coverage'],
    ['judgeAllPassRate', 'judge all-criteria pass'],
  ] as const;
  const rows: { series: string; kind: string; cost: number; metric: string; quality: number }[] = [];
  for (const v of result.variants) {
    for (const [key, label] of metrics) {
      const q = v.aggregate[key].mean;
      if (q !== null && v.aggregate.costUsd.mean !== null) rows.push({ series: v.name, kind: 'variant', cost: v.aggregate.costUsd.mean, metric: label, quality: q });
    }
  }
  for (const b of result.baselines) {
    for (const [key, label] of metrics) {
      if (key === 'judgeAllPassRate') continue; // baselines are product lists: nothing to judge
      const q = b.aggregate[key].mean;
      if (q !== null) rows.push({ series: b.name, kind: 'baseline', cost: 0, metric: label, quality: q });
    }
  }
  if (rows.length === 0) return undefined;
  return {
    config,
    data: { values: rows },
    facet: { column: { field: 'metric', type: 'nominal', title: null, sort: metrics.map((m) => m[1]) } },
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: 220,
      height: 220,
      mark: { type: 'point', filled: true, size: 90, opacity: 0.85 },
      encoding: {
        x: { field: 'cost', type: 'quantitative', title: 'mean cost per page ($)', axis: { format: '$.3~g' } },
        y: { field: 'quality', type: 'quantitative', title: 'mean', scale: { zero: true } },
        // tableau20, variants first: ten-colour palettes repeat once baselines join the legend.
        color: { field: 'series', type: 'nominal', title: 'variant / baseline', scale: { scheme: 'tableau20', domain: [...result.variants.map((v) => v.name), ...result.baselines.map((b) => b.name)] } },
        shape: { field: 'kind', type: 'nominal', title: 'kind', scale: { domain: ['variant', 'baseline'], range: ['circle', 'square'] } },
      },
    },
  };
}

/**
 * Per variant and phase: share of pages that escalated past a tier, and share that accepted an answer
 * below its threshold only because no later tier could run (offline, where escalation would happen).
 */
export function escalationSpec(result: EvalResult): TopLevelSpec | undefined {
  const measures = ['escalated', 'accepted below threshold'] as const;
  const rows = result.variants.flatMap((v) =>
    (
      [
        [measures[0], v.aggregate.escalationRate],
        [measures[1], v.aggregate.belowThresholdRate],
      ] as const
    ).flatMap(([measure, rates]) =>
      Object.entries(rates)
        .filter((e): e is [string, number] => e[1] !== null)
        .map(([phase, rate]) => ({ variant: v.name, phase, measure, rate })),
    ),
  );
  if (rows.length === 0) return undefined;
  // Wide enough per phase for its label and one bar per variant.
  const phases = new Set(rows.map((r) => r.phase)).size;
  const width = phases * Math.max(90, result.variants.length * 14);
  return {
    config,
    data: { values: rows },
    facet: { column: { field: 'measure', type: 'nominal', title: null, sort: [...measures] } },
    spec: {
      width,
      height: 200,
      mark: 'bar',
      encoding: {
        x: { field: 'phase', type: 'nominal', title: 'phase', axis: { labelAngle: 0 } },
        xOffset: { field: 'variant', type: 'nominal' },
        y: { field: 'rate', type: 'quantitative', title: 'share of pages', axis: { format: '.0%' }, scale: { domain: [0, 1] } },
        color: { field: 'variant', type: 'nominal', title: 'variant', scale: { scheme: 'tableau20', domain: result.variants.map((v) => v.name) } },
      },
    },
  };
}

/** Per-user target recall: a box per variant and baseline with every user's value as a dot. */
export function recallDistributionSpec(result: EvalResult): TopLevelSpec | undefined {
  const rows = [
    ...result.variants.flatMap((v) => v.pages.filter((p) => p.targetRecall !== null).map((p) => ({ series: v.name, kind: 'variant', userId: p.userId, recall: p.targetRecall }))),
    ...result.baselines.flatMap((b) => b.pages.filter((p) => p.targetRecall !== null).map((p) => ({ series: b.name, kind: 'baseline', userId: p.userId, recall: p.targetRecall }))),
  ];
  if (rows.length === 0) return undefined;
  const order = [...result.variants.map((v) => v.name), ...result.baselines.map((b) => b.name)];
  const y = { field: 'series', type: 'nominal', title: null, sort: order, axis: { labelLimit: 360 } } as const;
  const x = { field: 'recall', type: 'quantitative', title: "share of the user's next-order products on the page", axis: { format: '.0%' } } as const;
  return {
    config,
    width: 460,
    height: { step: 26 },
    data: { values: rows },
    layer: [
      { mark: { type: 'boxplot', extent: 'min-max', opacity: 0.35, size: 16 }, encoding: { y, x, color: { field: 'kind', type: 'nominal', title: 'kind' } } },
      { mark: { type: 'tick', opacity: 0.6, thickness: 1.5, size: 14 }, encoding: { y, x, color: { field: 'kind', type: 'nominal' } } },
    ],
  };
}

/** The sweep's cost and quality against the swept value, with the proposed value marked. */
export function sweepSpec(result: EvalResult): TopLevelSpec | undefined {
  const sweep = result.sweep;
  if (!sweep || sweep.points.length === 0) return undefined;
  const rows = sweep.points.flatMap((p) => [
    ...(p.costPerPage !== null ? [{ value: p.value, series: 'cost per page ($)', y: p.costPerPage }] : []),
    ...(p.quality !== null ? [{ value: p.value, series: `${sweep.metric} (mean)`, y: p.quality }] : []),
  ]);
  const x = { field: 'value', type: 'quantitative', title: sweep.param, scale: { zero: false } } as const;
  // An all-$0 sweep would give the cost axis an empty domain; pin it so the line sits on the floor.
  const maxCost = Math.max(0, ...sweep.points.map((p) => p.costPerPage ?? 0));
  const line = (series: string, title: string, format: string, orient: 'left' | 'right', color: string, strokeDash: number[], scale: object) => ({
    transform: [{ filter: { field: 'series', equal: series } }],
    mark: { type: 'line' as const, point: { color }, color, strokeDash },
    encoding: { x, y: { field: 'y', type: 'quantitative' as const, title, scale, axis: { format, orient, titleColor: color } } },
  });
  return {
    config,
    width: 460,
    height: 240,
    data: { values: rows },
    layer: [
      line('cost per page ($)', 'mean cost per page ($)', '$.3~g', 'left', '#4c78a8', [], maxCost > 0 ? { zero: true } : { domain: [0, 0.001] }),
      line(`${sweep.metric} (mean)`, `${sweep.metric} (mean)`, '.2~f', 'right', '#f58518', [6, 3], { zero: true }),
      ...(sweep.proposal
        ? [{ data: { values: [{ value: sweep.proposal.value }] }, mark: { type: 'rule' as const, strokeDash: [4, 3], color: '#54a24b' }, encoding: { x } }]
        : []),
    ],
    resolve: { scale: { y: 'independent' } },
  };
}
