import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { JUDGE_CRITERIA } from '../phases/filter/schema.js';
import type { Distribution } from './metrics.js';
import type { EvalResult } from './runner.js';
import { costQualitySpec, escalationSpec, recallDistributionSpec, renderSvg, sweepSpec } from './charts.js';
import { calibrationSection, type CalibrationSection } from './calibration/section.js';

export interface WriteReportOptions {
  readonly result: EvalResult;
  /** Created if missing. Gets report.md, report.html, result.json and plots/*.svg. */
  readonly outDir: string;
}

export interface ReportPaths {
  readonly markdownPath: string;
  /** Self-contained: inline CSS, inline SVG, no external requests. */
  readonly htmlPath: string;
  readonly jsonPath: string;
}

interface Plot {
  readonly id: string;
  readonly title: string;
  readonly caption: string;
  readonly svg: string;
  /** Shown in the calibration section rather than with the other plots. */
  readonly calibration?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Formatting

const dash = '–';
const pct = (x: number | null | undefined, digits = 1): string => (x === null || x === undefined ? dash : `${(x * 100).toFixed(digits)}%`);
const num = (x: number | null | undefined, digits = 1): string => (x === null || x === undefined ? dash : x.toFixed(digits));
const int = (x: number | null | undefined): string => (x === null || x === undefined ? dash : Math.round(x).toLocaleString('en-US'));
function usd(x: number | null | undefined): string {
  if (x === null || x === undefined) return dash;
  if (x === 0) return '$0';
  return x >= 0.01 ? `$${x.toFixed(4)}` : `$${x.toPrecision(3)}`;
}
const meanP95 = (d: Distribution, f: (x: number | null) => string): string => `${f(d.mean)} (p95 ${f(d.p95)})`;
const p50p95 = (d: Distribution, f: (x: number | null) => string): string => `${f(d.p50)} / ${f(d.p95)}`;

/** A table as header + rows of plain text cells; rendered to markdown or HTML. */
interface Table {
  readonly head: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

const mdCell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
export function mdTable({ head, rows }: Table): string {
  return [`| ${head.map(mdCell).join(' | ')} |`, `| ${head.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`, ...rows.map((r) => `| ${r.map(mdCell).join(' | ')} |`)].join('\n');
}

export const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
export function htmlTable({ head, rows }: Table): string {
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c, i) => (i === 0 ? `<th scope="row">${esc(c)}</th>` : `<td>${esc(c)}</td>`)).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

// ---------------------------------------------------------------------------------------------
// Content, shared by both formats

function variantTable(result: EvalResult): Table {
  return {
    head: ['variant', 'pages', 'failed', 'schema-valid', 'cost/page', 'tokens in / out', 'calls/page', 'latency p50 / p95 (ms)', 'target recall', 'new-item recall', 'category coverage', 'precision', 'judge all-pass', 'theme diversity', 'kw in corpus', 'products p50', 'new products p50', 'cache hits'],
    rows: result.variants.map(({ name, aggregate: a }) => [
      name,
      String(a.pages),
      String(a.failures),
      pct(a.schemaValidRate),
      `${meanP95(a.costUsd, usd)}${a.costComplete ? '' : ' (lower bound: unpriced calls)'}`,
      `${int(a.inputTokens.mean)} / ${int(a.outputTokens.mean)}`,
      num(a.calls.mean),
      p50p95(a.latencyMs, int),
      `${pct(a.targetRecall.mean)} (p50 ${pct(a.targetRecall.p50)})`,
      pct(a.newItemRecall?.mean, 2), // absent from reports written before new-item recall existed
      pct(a.targetCategoryCoverage.mean),
      pct(a.targetPrecision.mean),
      pct(a.judgeAllPassRate.mean),
      num(a.themeDiversity.mean, 3),
      pct(a.keywordInCorpusRate.mean),
      num(a.products.p50, 0),
      num(a.newProducts?.p50, 0),
      pct(a.cacheHitRate),
    ]),
  };
}

function baselineTable(result: EvalResult): Table {
  return {
    head: ['baseline', 'products', 'target recall', 'new-item recall', 'category coverage', 'precision', 'cost/page', 'stands beside'],
    rows: result.baselines.map((b) => [
      b.name,
      String(b.productCount),
      `${pct(b.aggregate.targetRecall.mean)} (p50 ${pct(b.aggregate.targetRecall.p50)})`,
      pct(b.aggregate.newItemRecall?.mean, 2),
      pct(b.aggregate.targetCategoryCoverage.mean),
      pct(b.aggregate.targetPrecision.mean),
      '$0',
      b.matches === 'pageNewProducts'
        ? `${b.forVariants.join(', ')} (as many new products as its page shows each user; median above)`
        : b.matches === 'newProducts'
          ? `${b.forVariants.join(', ')} (its median count of new products)`
          : b.forVariants.join(', '),
    ]),
  };
}

function judgeTable(result: EvalResult): Table {
  return {
    head: ['variant', ...JUDGE_CRITERIA.map((c) => c.replace(/_/g, ' ')), 'all criteria'],
    rows: result.variants.map((v) => [v.name, ...JUDGE_CRITERIA.map((c) => pct(v.aggregate.judgePassRate[c])), pct(v.aggregate.judgeAllPassRate.mean)]),
  };
}

/** "escalated / accepted below threshold" per phase. */
function escalationTable(result: EvalResult): Table {
  const phases = [...new Set(result.variants.flatMap((v) => Object.keys(v.aggregate.escalationRate)))].sort();
  const cell = (v: EvalResult['variants'][number], p: string) => (p in v.aggregate.escalationRate ? `${pct(v.aggregate.escalationRate[p])} / ${pct(v.aggregate.belowThresholdRate[p])}` : dash);
  return { head: ['variant', ...phases], rows: result.variants.map((v) => [v.name, ...phases.map((p) => cell(v, p))]) };
}

function tierTable(result: EvalResult): Table {
  const roles = [...new Set(result.variants.flatMap((v) => Object.keys(v.aggregate.attemptsByRole)))].sort();
  return {
    head: ['variant', ...roles.map((r) => (result.simulatedRoles.includes(r as never) ? `${r} (simulated)` : r))],
    rows: result.variants.map((v) => [v.name, ...roles.map((r) => String(v.aggregate.attemptsByRole[r] ?? 0))]),
  };
}

function sweepTable(result: EvalResult): Table | undefined {
  const s = result.sweep;
  if (!s) return undefined;
  return {
    head: [s.param, 'cost/page', `${s.metric} (mean)`, `meets ≥ ${s.min}`],
    rows: s.points.map((p) => [String(p.value), usd(p.costPerPage), num(p.quality, 3), p.meetsTarget ? (s.proposal?.value === p.value ? 'yes (proposed)' : 'yes') : 'no']),
  };
}

function failureLines(result: EvalResult, limit = 50): string[] {
  const all = [
    ...result.skippedUsers.map((f) => `user ${f.userId} (not evaluated): ${f.error}`),
    ...result.variants.flatMap((v) => v.failures.map((f) => `${v.name}, user ${f.userId}: ${f.error}`)),
  ];
  return all.length > limit ? [...all.slice(0, limit), `… and ${all.length - limit} more (see result.json)`] : all;
}

/** The plain statement of what was simulated and what that means for each number. */
function simulationStatement(result: EvalResult): string[] {
  const ranRoles = new Set(result.variants.flatMap((v) => Object.keys(v.aggregate.attemptsByRole)));
  const lines: string[] = [];
  if (result.simulatedRoles.length === 0) {
    lines.push('No tier was simulated: every model that ran is the model named in the configuration.');
  } else {
    const named = result.simulatedRoles.map((r) => `${r} (${result.models[r]?.model ?? 'unbound'})`).join(', ');
    lines.push(
      `Simulated tiers: ${named}. These roles were answered by a deterministic simulator (an OpenAI-compatible server returning schema-valid output generated from the request's JSON schema), not by the real model.`,
      'What is real for them: the prompts (the same prompts a real run would send), their input-token counts, and the dollar cost computed from those counts at the configured list prices. Output-token counts are those of the simulated output.',
      'What is not: their answers. Quality metrics (target recall, category coverage, judge pass rates, diversity) of pages where a simulated tier\'s answer was accepted measure the simulator, not the LLM. Read cost columns as real, quality columns for those pages as placeholders.',
    );
    const unused = result.simulatedRoles.filter((r) => !ranRoles.has(r));
    if (unused.length > 0) lines.push(`Simulated but never reached in this eval (no cascade escalated to them): ${unused.join(', ')}.`);
  }
  const judgeSim = Object.keys(result.evalJudge.roles).filter((r) => result.simulatedRoles.includes(r as never));
  if (judgeSim.length > 0) lines.push(`The eval judge's verdicts came (partly) from simulated roles (${judgeSim.join(', ')}): judge pass rates are not a real quality signal in this run.`);
  return lines;
}

const METHOD_NOTES = [
  "Every variant ran on the same users. Each user's target is their held-out next order (a Kaggle train order, or their last prior order when the train order is unknown); pages are built from history orders only.",
  'Target recall: share of the target order\'s distinct products that appear on the page. New-item recall: share of the target order\'s distinct products that the user had never bought in a history order and that appear on the page (so target recall = recall of products they own + new-item recall). Category coverage: share of the target order\'s categories that some page product is from. Precision: share of page products that were in the target order.',
  'Cost per page sums the provenance of every artefact behind the page, including artefacts reused from the cache: a warm re-run reports what the page cost to produce. Escalated attempts count, because they were paid for. Latency is the sum of the artefacts\' compute latencies.',
  'Escalation rate: share of pages on which a phase rejected (low confidence) or lost (error) a tier before accepting a later one. A tier that is not configured is skipped, not escalated; when the last available tier answers below its threshold it is accepted anyway, and counted as "accepted below threshold": the escalation a configured higher tier would have taken.',
  'Schema-valid: every artefact behind the page validates against its JSON Schema; a user whose run failed counts as invalid.',
  'Judge: one judge (the filter phase\'s) scores every variant\'s final page themes, so pass rates compare like with like; its own cost is reported separately and not charged to any page.',
  'Theme diversity: mean pairwise cosine distance between embeddings of each theme\'s "title. description" (0 = identical themes).',
  'Baselines are product lists scored exactly like pages, at the median page size of the variants they stand beside: the globally most ordered products (popularity), the user\'s own most frequently ordered products (own-reorders), and two for products new to the user: the most ordered products they have not bought (popularity-unseen), and item-item co-purchase (co-purchase: products they have not bought, by Σ share × P(product | theirs) over history baskets, then by popularity).',
];

// ---------------------------------------------------------------------------------------------
// Calibration

const calibrations = new WeakMap<EvalResult, CalibrationSection>();

/**
 * The calibration section: the records of the first variant whose pages carry them (cascaded,
 * normally), else records attached to the result from another eval, else a line saying why there
 * are none. Computed once per result: the markdown, the HTML and the plots all read it.
 */
export function calibrationOf(result: EvalResult): CalibrationSection {
  let section = calibrations.get(result);
  if (!section) {
    const variant = result.variants.find((v) => v.pages.some((p) => (p.calibration?.length ?? 0) > 0)) ?? result.variants.find((v) => v.pages.some((p) => p.calibration !== undefined));
    if (variant) {
      section = calibrationSection({ records: variant.pages.flatMap((p) => p.calibration ?? []), simulatedRoles: result.simulatedRoles, source: `variant ${variant.name} of this eval` });
    } else if (result.calibration) {
      section = calibrationSection({ records: result.calibration.records, simulatedRoles: result.calibration.simulatedRoles, source: result.calibration.source });
    } else {
      section = calibrationSection({ records: undefined, simulatedRoles: result.simulatedRoles, source: 'this eval result' });
    }
    calibrations.set(result, section);
  }
  return section;
}

// ---------------------------------------------------------------------------------------------
// Plots

/** Each plot's file id (plots/<id>.svg), heading and caption; the spec is undefined when the result has nothing to plot. */
function plotList(result: EvalResult): { id: string; title: string; caption: string; spec: TopLevelSpec | undefined; calibration?: boolean }[] {
  return [
    { id: 'cost-quality', title: 'Cost vs quality', caption: 'Mean cost per page against mean quality, per variant (circles) and baseline (squares, $0).', spec: costQualitySpec(result) },
    { id: 'escalation', title: 'Escalation rate per phase', caption: 'Left: share of pages on which each phase escalated past a tier before accepting an answer. Right: share on which it accepted an answer below its threshold because no later tier could run (where it would escalate with that tier configured).', spec: escalationSpec(result) },
    { id: 'recall-distribution', title: 'Per-user target recall', caption: "Each user's target recall: box over users, a tick per user.", spec: recallDistributionSpec(result) },
    { id: 'sweep', title: `Sweep: ${result.sweep?.param ?? ''}`, caption: result.sweep?.note ?? '', spec: sweepSpec(result) },
    ...calibrationOf(result).plots.map((p) => ({ ...p, calibration: true })),
  ];
}

async function renderPlots(result: EvalResult): Promise<Plot[]> {
  const out: Plot[] = [];
  for (const p of plotList(result)) if (p.spec) out.push({ id: p.id, title: p.title, caption: p.caption, svg: await renderSvg(p.spec), ...(p.calibration ? { calibration: true } : {}) });
  return out;
}

export type ReportTable = Table;

/** The report's content without its layout, so another renderer (the web inspector) shows the same numbers and words. */
export interface ReportSections {
  readonly header: readonly string[];
  readonly simulation: readonly string[];
  readonly tables: readonly { readonly title: string; readonly note?: string; readonly table: Table }[];
  /** Plots written beside the report (plots/<id>.svg), in report order. */
  readonly plots: readonly { readonly id: string; readonly title: string; readonly caption: string }[];
  readonly failures: readonly string[];
  readonly notes: readonly string[];
  /** What the calibration records are and how to read them (its tables and plots are in `tables` and `plots`). */
  readonly calibration: readonly string[];
}

export function reportSections(result: EvalResult): ReportSections {
  const sweep = sweepTable(result);
  const calibration = calibrationOf(result);
  return {
    header: header(result),
    simulation: simulationStatement(result),
    tables: [
      { title: 'Variants', table: variantTable(result) },
      { title: 'Baselines', table: baselineTable(result) },
      ...(sweep ? [{ title: 'Sweep points', note: result.sweep?.note, table: sweep }] : []),
      { title: 'Judge pass rate per criterion', table: judgeTable(result) },
      { title: 'Escalation per phase, by variant', note: 'Escalated / accepted below threshold (no later tier available).', table: escalationTable(result) },
      { title: 'Tier attempts per role', table: tierTable(result) },
      ...calibration.tables,
    ],
    plots: plotList(result)
      .filter((p) => p.spec)
      .map(({ id, title, caption }) => ({ id, title, caption })),
    failures: failureLines(result),
    notes: METHOD_NOTES,
    calibration: calibration.lines,
  };
}

// ---------------------------------------------------------------------------------------------
// Documents

function header(result: EvalResult): string[] {
  const evaluated = result.users.length - result.skippedUsers.length;
  const c = result.rankingCalibration;
  const ranking = !c
    ? []
    : c.overlap.length === 0
      ? [`Ranking weights (reorder propensity, discovery) were calibrated on ${c.users} other users: none of the users evaluated here.`]
      : [`WARNING: ${c.overlap.length} evaluated users were in the ranking weights' calibration set (${c.overlap.slice(0, 10).join(', ')}${c.overlap.length > 10 ? ', …' : ''}): their figures are in-sample.`];
  return [
    `Created ${result.createdAt}. ${evaluated} of ${result.users.length} users evaluated; variants: ${result.variants.map((v) => v.name).join(', ')}.`,
    ...ranking,
    `Eval judge: ${result.evalJudge.enabled ? `role ${result.evalJudge.role} for every variant; ${result.evalJudge.calls} model calls, ${usd(result.evalJudge.costUsd)}, ${result.evalJudge.errors} errors (roles: ${Object.entries(result.evalJudge.roles).map(([r, n]) => `${r} ×${n}`).join(', ') || 'none'})` : 'off'}.`,
  ];
}

function markdown(result: EvalResult, plots: readonly Plot[]): string {
  const parts: string[] = ['# hubgen offline eval', '', ...header(result).map((l) => `${l}  `), '', '## What was simulated', '', ...simulationStatement(result).map((l) => `> ${l}\n>`), ''];
  parts.push('## Variants', '', mdTable(variantTable(result)), '', '## Baselines', '', mdTable(baselineTable(result)), '');
  for (const p of plots.filter((x) => !x.calibration)) parts.push(`## ${p.title}`, '', `![${p.title}](plots/${p.id}.svg)`, '', p.caption, '');
  const sweep = sweepTable(result);
  if (sweep && result.sweep) {
    parts.push('## Sweep points', '', mdTable(sweep), '', result.sweep.proposal ? `**Proposed ${result.sweep.param} = ${result.sweep.proposal.value}** (${usd(result.sweep.proposal.costPerPage)} per page, ${result.sweep.metric} ${num(result.sweep.proposal.quality, 3)}).` : `**No value met ${result.sweep.metric} ≥ ${result.sweep.min}.**`, '');
  }
  parts.push('## Judge pass rate per criterion', '', mdTable(judgeTable(result)), '', '## Escalation per phase, by variant', '', 'Escalated / accepted below threshold (no later tier available).', '', mdTable(escalationTable(result)), '', '## Tier attempts per role', '', mdTable(tierTable(result)), '');
  const calibration = calibrationOf(result);
  parts.push('## Calibration', '', ...calibration.lines.flatMap((l) => [l, '']));
  for (const t of calibration.tables) parts.push(`### ${t.title}`, '', ...(t.note ? [t.note, ''] : []), mdTable(t.table), '');
  for (const p of plots.filter((x) => x.calibration)) parts.push(`### ${p.title}`, '', `![${p.title}](plots/${p.id}.svg)`, '', p.caption, '');
  const failures = failureLines(result);
  parts.push('## Failures', '', ...(failures.length ? failures.map((f) => `- ${f}`) : ['None.']), '', '## How to read this', '', ...METHOD_NOTES.map((n) => `- ${n}`), '');
  return parts.join('\n');
}

export const REPORT_CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:1200px;padding:0 1rem;color:#222}
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}h3{font-size:1.05rem;margin-top:1.4rem}
table{border-collapse:collapse;margin:.5rem 0;font-size:12.5px;display:block;overflow-x:auto}
th,td{border:1px solid #ddd;padding:.25rem .5rem;text-align:right;white-space:nowrap}
thead th{background:#f4f4f4;text-align:center}tbody th{text-align:left;font-weight:600}
.sim{background:#fff8e1;border-left:4px solid #f0b400;padding:.6rem 1rem;margin:1rem 0}
.sim p{margin:.3rem 0}figure{margin:1rem 0}figcaption{color:#555;font-size:12.5px}
.plot svg{max-width:100%;height:auto}ul.notes li{margin:.2rem 0}.proposal{font-weight:600}
`;

function html(result: EvalResult, plots: readonly Plot[]): string {
  const sweep = sweepTable(result);
  const failures = failureLines(result);
  // Vega's SVG starts with its own <svg ...> root; it is inlined as-is (it is well-formed XML).
  const figure = (p: Plot, h: 'h2' | 'h3') => `<${h}>${esc(p.title)}</${h}><figure class="plot" id="plot-${p.id}">${p.svg}<figcaption>${esc(p.caption)}</figcaption></figure>`;
  const figures = plots.filter((p) => !p.calibration).map((p) => figure(p, 'h2')).join('\n');
  const calibration = calibrationOf(result);
  const calibrationHtml = [
    '<h2>Calibration</h2>',
    ...calibration.lines.map((l) => `<p>${esc(l)}</p>`),
    ...calibration.tables.map((t) => `<h3>${esc(t.title)}</h3>${t.note ? `<p>${esc(t.note)}</p>` : ''}${htmlTable(t.table)}`),
    ...plots.filter((p) => p.calibration).map((p) => figure(p, 'h3')),
  ].join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>hubgen offline eval</title><style>${REPORT_CSS}</style></head>
<body>
<h1>hubgen offline eval</h1>
${header(result).map((l) => `<p>${esc(l)}</p>`).join('\n')}
<h2>What was simulated</h2>
<div class="sim">${simulationStatement(result).map((l) => `<p>${esc(l)}</p>`).join('')}</div>
<h2>Variants</h2>${htmlTable(variantTable(result))}
<h2>Baselines</h2>${htmlTable(baselineTable(result))}
${figures}
${sweep && result.sweep ? `<h2>Sweep points</h2>${htmlTable(sweep)}<p class="proposal">${esc(result.sweep.proposal ? `Proposed ${result.sweep.param} = ${result.sweep.proposal.value} (${usd(result.sweep.proposal.costPerPage)} per page, ${result.sweep.metric} ${num(result.sweep.proposal.quality, 3)}).` : `No value met ${result.sweep.metric} ≥ ${result.sweep.min}.`)}</p><p>${esc(result.sweep.note)}</p>` : ''}
<h2>Judge pass rate per criterion</h2>${htmlTable(judgeTable(result))}
<h2>Escalation per phase, by variant</h2><p>Escalated / accepted below threshold (no later tier available).</p>${htmlTable(escalationTable(result))}
<h2>Tier attempts per role</h2>${htmlTable(tierTable(result))}
${calibrationHtml}
<h2>Failures</h2>${failures.length ? `<ul>${failures.map((f) => `<li>${esc(f)}</li>`).join('')}</ul>` : '<p>None.</p>'}
<h2>How to read this</h2><ul class="notes">${METHOD_NOTES.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>
</body></html>
`;
}

/**
 * Writes the eval as a markdown summary (plots as SVG files beside it), a self-contained HTML
 * report (inline CSS and SVG) and the raw result as JSON. Plots render in Node, offline.
 */
export async function writeReport({ result, outDir }: WriteReportOptions): Promise<ReportPaths> {
  const dir = resolve(outDir);
  await mkdir(join(dir, 'plots'), { recursive: true });
  const plots = await renderPlots(result);
  for (const p of plots) await writeFile(join(dir, 'plots', `${p.id}.svg`), p.svg);
  const markdownPath = join(dir, 'report.md');
  const htmlPath = join(dir, 'report.html');
  const jsonPath = join(dir, 'result.json');
  await writeFile(markdownPath, markdown(result, plots));
  await writeFile(htmlPath, html(result, plots));
  await writeFile(jsonPath, JSON.stringify(result, null, 1));
  return { markdownPath, htmlPath, jsonPath };
}
