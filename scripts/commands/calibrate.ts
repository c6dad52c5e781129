import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { HubgenConfig } from '../../config/config.js';
import { FsArtefactStore } from '../../kit/artefacts/fs-store.js';
import { splitIds } from '../../pipelines/select-users.js';
import { configFrom, USERS_SPEC_HELP, type GlobalOptions } from './options.js';
import { createCliLogger } from '../logger.js';

export interface CalibrateOptions {
  readonly phase: string;
  readonly users?: string;
  /** "runs", or an eval report folder / result.json. */
  readonly from: string;
  readonly runs?: string;
  readonly targetQuality: number;
  readonly holdout: number;
  readonly reportDir?: string;
  readonly trainDeferral?: boolean;
  readonly out?: string;
  readonly tier?: string;
}

const PHASES = ['themes', 'keywords', 'filter'] as const;

const share = (name: string) => (v: string) => {
  const n = Number(v);
  if (v.trim() === '' || !(n > 0 && n < 1)) throw new Error(`${name} must be a number strictly between 0 and 1, got "${v}"`);
  return n;
};

/** --users: ids or @file filter the records directly; sample:N (and segments) are drawn from the dataset. */
async function usersOf(spec: string | undefined, config: HubgenConfig): Promise<Set<string> | undefined> {
  if (!spec || spec.trim() === 'all') return undefined;
  const s = spec.trim();
  if (s.startsWith('@')) return new Set(splitIds(readFileSync(s.slice(1), 'utf8')));
  if (!s.startsWith('sample')) return new Set(splitIds(s));
  const [{ loadDataset, resolveDataSource }, { parseUsers }] = await Promise.all([import('../../datasets/load.js'), import('./shared.js')]);
  const { dataset } = await loadDataset(resolveDataSource(config));
  return new Set(parseUsers(s, dataset));
}

/** Builds records, writes the calibration report, optionally trains a deferral model; returns what to print. */
export async function runCalibrate(opts: CalibrateOptions, config: HubgenConfig): Promise<string[]> {
  const [{ recordsFromEval, recordsFromRuns }, { calibrationSection }, { writeCalibrationReport }, { trainDeferralFromRecords }, { mdTable }] = await Promise.all([
    import('../../evals/calibration/sources.js'),
    import('../../evals/calibration/section.js'),
    import('../../evals/calibration/write.js'),
    import('../../evals/calibration/train-deferral.js'),
    import('../../evals/report.js'),
  ]);
  if (opts.phase !== 'all' && !(PHASES as readonly string[]).includes(opts.phase)) throw new Error(`--phase must be one of ${PHASES.join(', ')} or all, got "${opts.phase}"`);
  const phases = opts.phase === 'all' ? [...PHASES] : [opts.phase as (typeof PHASES)[number]];
  const workDir = resolve(config.workDir);
  const loaded =
    opts.from === 'runs'
      ? await recordsFromRuns(join(workDir, 'runs'), new FsArtefactStore(join(workDir, 'artefacts')), opts.runs ? opts.runs.split(',').map((r) => r.trim()).filter(Boolean) : undefined)
      : await recordsFromEval(resolve(opts.from));
  const users = await usersOf(opts.users, config);
  const records = loaded.records.filter((r) => phases.includes(r.phase) && (!users || users.has(r.userId)));
  if (records.length === 0) throw new Error(`no labelled ${phases.join('/')} answers in ${loaded.source}${users ? ` for the ${users.size} users asked for` : ''}: run some users first (hubgen run), or point --from at an eval`);

  const trained: string[] = [];
  if (opts.trainDeferral) {
    if (!opts.out) throw new Error('--train-deferral needs --out <file> for the weights');
    if (opts.phase === 'all') throw new Error('--train-deferral needs one --phase (themes, keywords or filter): each phase\'s tiers answer a different question');
    const t = trainDeferralFromRecords(records, { phase: phases[0], role: opts.tier, holdout: opts.holdout });
    const file = resolve(opts.out);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, `${JSON.stringify(t.model, null, 1)}\n`);
    const f = (x: number) => x.toFixed(3);
    trained.push(
      `deferral model for ${t.phase} · ${t.role}: trained on ${t.fitRows} answers of fit users (${((t.model.trainedOn.accepted / t.model.trainedOn.rows) * 100).toFixed(1)}% accepted)`,
      t.heldOut
        ? `held-out (${t.heldOut.deferral.rows} answers): ECE ${f(t.heldOut.deferral.ece)} (the confidence it used: ${f(t.heldOut.recorded.ece)}), Brier ${f(t.heldOut.deferral.brier)} (${f(t.heldOut.recorded.brier)})`
        : 'held-out: no answers of held-out users to check it on',
      `wrote ${file}`,
      `use it: "phases": { "${t.phase}": { "llmTiers": { "signal": "deferral", "deferral": { "weights": "${opts.out}" } } } }`,
    );
    if (loaded.simulatedRoles.includes(t.role as never)) trained.push(`note: ${t.role} was simulated where these records were made; the weights demonstrate the training, they say nothing about the real model`);
  }

  const section = calibrationSection({ records, simulatedRoles: loaded.simulatedRoles, source: loaded.source, options: { targetQuality: opts.targetQuality, holdout: opts.holdout, phases } });
  const dir = resolve(opts.reportDir ?? join(workDir, 'calibration', new Date().toISOString().replace(/[:.]/g, '-')));
  const paths = await writeCalibrationReport(section, dir, [`hubgen calibrate --phase ${opts.phase}${opts.users ? ` --users ${opts.users}` : ''}, ${new Date().toISOString()}.`]);
  const thresholds = section.tables.find((t) => t.title.includes('proposed thresholds'))!;
  const out = [...section.summary, '', mdTable(thresholds.table), ''];
  for (const t of section.analysis!.tiers) {
    const p = t.proposal;
    if (!p) continue;
    const key = t.phase === 'filter' ? 'judgeCascade' : 'cascade';
    out.push(
      p.reached
        ? `proposed: phases.${t.phase}.${key} ${t.role} threshold ${t.currentThreshold} → ${p.threshold.toFixed(3)}${t.heldOutAtProposal ? ` (held-out: ${(t.heldOutAtProposal.quality * 100).toFixed(1)}% accepted, ${(t.heldOutAtProposal.escalationRate * 100).toFixed(1)}% escalated)` : ''}`
        : `proposed: none for phases.${t.phase}.${key} ${t.role}: no threshold reaches ${opts.targetQuality} on fit users (best ${(p.best.quality * 100).toFixed(1)}% at ${p.best.threshold.toFixed(3)})`,
    );
  }
  if (trained.length) out.push('', ...trained);
  out.push(`report: ${paths.markdownPath}`, `        ${paths.htmlPath}`);
  return out;
}

export function registerCalibrateCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('calibrate')
    .description('how well each tier\'s confidence predicts that the stronger tier or the judge accepts its answer: reliability, ECE, the cost–quality curve and a proposed threshold, fitted on some users and checked on the others; --train-deferral learns a deferral model')
    .option('--phase <phase>', 'themes, keywords, filter (the judge) or all', 'all')
    .option('-u, --users <spec>', `only these users: ${USERS_SPEC_HELP}`)
    .option('--from <source>', '"runs" (every stored run, read back from the artefact store) or an eval report folder / result.json', 'runs')
    .option('--runs <ids>', 'with --from runs: only these runs (comma list)')
    .option('--target-quality <q>', 'share of final answers that must be accepted', share('--target-quality'), 0.9)
    .option('--holdout <share>', 'share of users held out of the fit', share('--holdout'), 0.5)
    .option('--report-dir <dir>', 'where calibration.md, calibration.html and plots/ go (default <workDir>/calibration/<timestamp>)')
    .option('--train-deferral', 'train the deferral model from the phase\'s recorded LLM-tier answers (needs --phase and --out)')
    .option('--out <file>', 'with --train-deferral: the weights file to write')
    .option('--tier <role>', 'with --train-deferral: the tier to learn from (default: the LLM tier with the most answers)')
    .action(async (opts: CalibrateOptions) => {
      const config = configFrom(globals());
      const { logger } = createCliLogger(resolve(config.workDir), globals().logLevel);
      const lines = await runCalibrate(opts, config);
      logger.info({ phase: opts.phase, from: opts.from, trainDeferral: !!opts.trainDeferral }, 'calibrate done');
      logger.flush();
      console.log(lines.join('\n'));
    });
}
