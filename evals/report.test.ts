import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { XMLValidator } from 'fast-xml-parser';
import { realDataset } from '../testing/real-data.js';
import { tinyDataset } from '../testing/instacart-fixture.js';
import { buildCatalogueStats } from '../catalogue/stats.js';
import { makeTestCtx } from '../testing/test-context.js';
import { runEval, type EvalResult } from './runner.js';
import { runSweep } from './sweep.js';
import { reportSections, writeReport } from './report.js';
import { fakeCascaded, fakeJudge, failingFor } from '../testing/eval-fixture.js';

const svgsIn = (html: string): string[] => html.match(/<svg[\s\S]*?<\/svg>(?=<figcaption>)/g) ?? [];

describe('writeReport', () => {
  let result: EvalResult;
  let swept: EvalResult;
  beforeAll(async () => {
    const dataset = await tinyDataset();
    const ctx = makeTestCtx({ catalogue: dataset.catalogue, stats: buildCatalogueStats(dataset) });
    const common = { ctx, dataset, users: ['1', '2'], themeJudge: fakeJudge, simulatedRoles: ['cheap', 'teacher'] as const };
    result = await runEval({
      ...common,
      simulatedRoles: [...common.simulatedRoles],
      variants: ['cascaded', 'single-step', 'cascaded@keywords.threshold=0.9'],
      pipelines: { variants: { cascaded: fakeCascaded, 'single-step': failingFor('2', fakeCascaded) } },
    });
    swept = (await runSweep({ ...common, simulatedRoles: [...common.simulatedRoles], param: 'keywords.threshold', values: [0.3, 0.9], targetQuality: { metric: 'targetRecall', min: 0.4 }, pipelines: { variants: { cascaded: fakeCascaded } } })).result;
  });

  it('writes markdown, self-contained HTML and JSON naming every variant and baseline', async () => {
    const out = await mkdtemp(join(tmpdir(), 'hubgen-report-'));
    const paths = await writeReport({ result, outDir: out });
    const md = await readFile(paths.markdownPath, 'utf8');
    const html = await readFile(paths.htmlPath, 'utf8');
    expect(result.baselines.length).toBeGreaterThan(0);
    for (const name of [...result.variants.map((v) => v.name), ...result.baselines.map((b) => b.name)]) {
      expect(md).toContain(name);
      expect(html).toContain(name);
    }
    // The failure is reported with its reason.
    expect(md).toContain('single-step, user 2: scripted failure for user 2');
    // Self-contained: no scripts, stylesheets or images fetched from anywhere.
    expect(html).not.toMatch(/<script|<link|<img|src=|url\(/i);
    expect(JSON.parse(await readFile(paths.jsonPath, 'utf8'))).toEqual(result);
  });

  it('reportSections: the tables and plots the markdown shows, for other renderers', async () => {
    const paths = await writeReport({ result: swept, outDir: await mkdtemp(join(tmpdir(), 'hubgen-report-')) });
    const md = await readFile(paths.markdownPath, 'utf8');
    const sections = reportSections(swept);
    expect(sections.tables.map((t) => t.title)).toEqual([
      'Variants',
      'Baselines',
      'Sweep points',
      'Judge pass rate per criterion',
      'Escalation per phase, by variant',
      'Tier attempts per role',
      'Calibration records per tier',
      'Calibration: expected calibration error and proposed thresholds',
      'Calibration: reliability table (held-out users)',
    ]);
    // Every row is in the markdown, cell for cell: the same numbers, not a second formatting.
    for (const t of sections.tables) for (const row of t.table.rows) expect(md).toContain(`| ${row.join(' | ')} |`);
    const plotsOnDisk = (await readdir(join(paths.markdownPath, '..', 'plots'))).sort();
    expect(sections.plots.map((p) => `${p.id}.svg`).sort()).toEqual(plotsOnDisk);
    expect(sections.plots.every((p) => p.title && p.caption)).toBe(true);
  });

  it('says plainly which tiers were simulated and what that means', async () => {
    const paths = await writeReport({ result, outDir: await mkdtemp(join(tmpdir(), 'hubgen-report-')) });
    const md = await readFile(paths.markdownPath, 'utf8');
    expect(md).toContain('Simulated tiers: cheap (gpt-4o-mini), teacher (gpt-4o)');
    expect(md).toMatch(/input-token counts/);
    expect(md).toMatch(/measure the simulator, not the LLM/);
    const none = await writeReport({ result: { ...result, simulatedRoles: [] }, outDir: await mkdtemp(join(tmpdir(), 'hubgen-report-')) });
    expect(await readFile(none.markdownPath, 'utf8')).toContain('No tier was simulated');
  });

  it('inlines well-formed SVG plots, rendered without a browser, and writes them beside the markdown', async () => {
    const out = await mkdtemp(join(tmpdir(), 'hubgen-report-'));
    const paths = await writeReport({ result, outDir: out });
    const html = await readFile(paths.htmlPath, 'utf8');
    const svgs = svgsIn(html);
    expect(svgs).toHaveLength(5); // cost-quality, escalation, recall distribution (no sweep here), then the two calibration plots
    for (const svg of svgs) {
      expect(XMLValidator.validate(svg)).toBe(true);
      expect(svg).toMatch(/<path|<rect|<line/); // drew marks, not an empty frame
    }
    expect((await readdir(join(out, 'plots'))).sort()).toEqual(['calibration-reliability.svg', 'calibration-thresholds.svg', 'cost-quality.svg', 'escalation.svg', 'recall-distribution.svg']);
    // The escalation plot labels its phases; the cost plot its variants.
    expect(svgs[1]).toContain('keywords');
    expect(svgs[0]).toContain('own-reorders@');
  });

  it('adds the sweep curve, its points and the proposal when the result carries a sweep', async () => {
    const paths = await writeReport({ result: swept, outDir: await mkdtemp(join(tmpdir(), 'hubgen-report-')) });
    const html = await readFile(paths.htmlPath, 'utf8');
    const svgs = svgsIn(html);
    expect(svgs).toHaveLength(6);
    expect(XMLValidator.validate(svgs[3])).toBe(true);
    expect(svgs[3]).toContain('keywords.threshold');
    const md = await readFile(paths.markdownPath, 'utf8');
    expect(md).toContain('**Proposed keywords.threshold = 0.9**');
    expect(md).toContain('| 0.3 |');
  });

  it('has a calibration section from the cascaded variant\'s records, saying which came from simulated roles', async () => {
    const paths = await writeReport({ result, outDir: await mkdtemp(join(tmpdir(), 'hubgen-report-')) });
    const md = await readFile(paths.markdownPath, 'utf8');
    const html = await readFile(paths.htmlPath, 'utf8');
    const section = md.slice(md.indexOf('## Calibration'), md.indexOf('## Failures'));
    expect(section).toMatch(/\d+ labelled tier answers from 2 users \(\d fit, \d held out\), from variant cascaded of this eval\. Target quality: 90\.0%/);
    // The fake's local themes tier escalated to cheap, which the runner was told is simulated.
    expect(section).toContain('| themes · local |');
    expect(section).toContain('| themes · cheap (simulated) |');
    expect(section).toMatch(/Simulated roles: cheap, teacher\. \d+ of \d+ records are answers of a simulated tier/);
    expect(section).toContain('### Calibration: reliability per tier (held-out users)');
    expect(section).toContain('![Calibration: cost–quality curve of thresholds (fit users)](plots/calibration-thresholds.svg)');
    expect(html).toContain('<h2>Calibration</h2>');
    expect(html).toContain('id="plot-calibration-reliability"');
  });

  it('says a result without records predates them, and uses records attached from another eval, naming it', async () => {
    const bare: EvalResult = { ...result, variants: result.variants.map((v) => ({ ...v, pages: v.pages.map(({ calibration: _c, ...p }) => p) })) };
    const old = await readFile((await writeReport({ result: bare, outDir: await mkdtemp(join(tmpdir(), 'hubgen-report-')) })).markdownPath, 'utf8');
    expect(old).toContain('No calibration records in this eval result: it was written before evals recorded them.');
    const records = result.variants[0].pages.flatMap((p) => p.calibration ?? []);
    const attached = { ...bare, calibration: { source: 'an eval of 2 of these users on 2026-12-03', simulatedRoles: [], records } };
    const md = await readFile((await writeReport({ result: attached, outDir: await mkdtemp(join(tmpdir(), 'hubgen-report-')) })).markdownPath, 'utf8');
    expect(md).toContain(`${records.length} labelled tier answers from 2 users`);
    expect(md).toContain('from an eval of 2 of these users on 2026-12-03.');
    expect(md).toContain('No tier or label in these records came from a simulator');
  });
});
