import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { withRuntime, type GlobalOptions } from './shared.js';
import { DISCOVERY_VERSION } from '../../catalogue/discovery.js';

export function registerTrainCommands(program: Command, globals: () => GlobalOptions): void {
  program
    .command('distill')
    .description('retrain the local keyword student from teacher choices recorded in artefacts (or a labelled JSONL file); reports held-out accuracy against the current weights')
    .option('--from <source>', '"artefacts" or a JSONL file of labelled rows', 'artefacts')
    .option('--out <file>', 'write the new weights here (nothing is written without it)')
    .option('--seed <n>', 'hold-out split seed', (v) => Number.parseInt(v, 10), 1)
    .action(async (opts: { from: string; out?: string; seed: number }) => {
      await withRuntime(globals(), async (rt) => {
        const { runDistill } = await import('../../phases/keywords/index.js');
        const report = await runDistill({ ctx: rt.ctx, from: opts.from === 'artefacts' ? 'artefacts' : resolve(opts.from), out: opts.out && resolve(opts.out), seed: opts.seed });
        console.log(JSON.stringify(report, null, 2));
      });
    });

  program
    .command('train-relevance')
    .description('retrain the local relevance (cross-encoder) model on catalogue silver labels; reports held-out accuracy against a cosine-only baseline')
    .option('--out <file>', 'write the new weights here (nothing is written without it)')
    .option('--seed <n>', 'sampling seed', (v) => Number.parseInt(v, 10))
    .action(async (opts: { out?: string; seed?: number }) => {
      await withRuntime(globals(), async (rt) => {
        const { trainRelevanceFor } = await import('../../retrieval/relevance/train.js');
        const { ctx } = rt;
        const report = await trainRelevanceFor({
          catalogue: ctx.catalogue,
          corpus: ctx.corpus,
          embedder: ctx.embedder,
          logger: ctx.logger,
          boundModel: ctx.config.roles.cross_encoder?.model,
          seed: opts.seed,
          out: opts.out && resolve(opts.out),
        });
        console.log(JSON.stringify(report, null, 2));
      });
    });

  program
    .command('train-propensity')
    .description('refit the reorder-propensity and discovery models on calibration users only (a seeded split of a segment that leaves out the report\'s users); writes both weights files and prints held-out figures')
    .option('--out-dir <dir>', `where to write propensity-v1.json and ${DISCOVERY_VERSION}.json (default: the bundled catalogue/weights)`)
    .option('--segment <name>', 'segment the split is drawn from', 'train')
    .option('--report-users <n>', 'the first N users of `sample:N:<segment>` are the report\'s and never calibrate', (v) => Number.parseInt(v, 10), 200)
    .option('--seed <n>', 'the sample seed (as --users sample uses)', (v) => Number.parseInt(v, 10), 1)
    .action(async (opts: { outDir?: string; segment: string; reportUsers: number; seed: number }) => {
      await withRuntime(globals(), async (rt) => {
        const { writeFile } = await import('node:fs/promises');
        const { fileURLToPath } = await import('node:url');
        const { trainPropensityModels } = await import('../../catalogue/calibration.js');
        const { PROPENSITY_WEIGHTS_URL } = await import('../../catalogue/propensity.js');
        const dir = resolve(opts.outDir ?? fileURLToPath(new URL('.', PROPENSITY_WEIGHTS_URL)));
        const { propensity, discovery, report } = trainPropensityModels(rt.dataset, { segment: opts.segment, reportUsers: opts.reportUsers, seed: opts.seed });
        const { heldOut: ph, ...p } = report.propensity;
        const { heldOut: dh, users: discoveryUsers, ...d } = report.discovery;
        const calibration = { split: report.split, instances: report.instances, instancesWithDays: report.instancesWithDays };
        // Discovery learns from every non-report user's last order: its file lists those users, so an eval can check it reports on none of them.
        const discoveryCalibration = { split: { ...report.split, calibrationUsers: discoveryUsers }, instances: discoveryUsers.length, ...d, heldOut: dh };
        await writeFile(join(dir, 'propensity-v1.json'), `${JSON.stringify({ ...propensity, calibration: { ...calibration, ...p, heldOut: ph } }, null, 1)}\n`);
        await writeFile(join(dir, `${DISCOVERY_VERSION}.json`), `${JSON.stringify({ ...discovery, calibration: discoveryCalibration }, null, 1)}\n`);
        console.log(JSON.stringify({ ...report, split: { ...report.split, calibrationUsers: report.split.calibrationUsers.length }, discovery: { ...report.discovery, users: discoveryUsers.length } }, null, 2));
        console.log(`wrote ${join(dir, 'propensity-v1.json')} and ${join(dir, `${DISCOVERY_VERSION}.json`)}`);
      });
    });

  program
    .command('train-student')
    .description('rebuild the local keyword student from silver labels on the catalogue (exact vector search); writes the weights and a held-out slice for the tests')
    .option('--out <file>', 'weights file (default: the bundled phases/keywords/weights/student-v1.json)')
    .option('--held-out-out <file>', 'held-out rows shipped as a test fixture (default: the bundled weights/silver-heldout.jsonl)')
    .option('--rows-out <file>', 'every labelled row, for inspection (default <workDir>/silver/rows.jsonl)')
    .option('--seed <n>', 'seed for themes and the hold-out split', (v) => Number.parseInt(v, 10), 2017)
    .option('--ship-themes <n>', 'held-out themes to ship', (v) => Number.parseInt(v, 10), 12)
    .action(async (opts: { out?: string; heldOutOut?: string; rowsOut?: string; seed: number; shipThemes: number }) => {
      await withRuntime(globals(), async (rt) => {
        const { trainSilver } = await import('../../phases/keywords/train-silver.js');
        const { WEIGHTS_DIR } = await import('../../phases/keywords/student.js');
        const { openEmbeddedStore } = await import('../../retrieval/vectors/embedded-store.js');
        const work = resolve(rt.ctx.config.workDir, 'silver');
        // Exact search only: training labels should not depend on an approximate index.
        const vectors = openEmbeddedStore({ dir: join(work, 'vectors'), exactMax: Number.MAX_SAFE_INTEGER, logger: rt.ctx.logger });
        try {
          const report = await trainSilver({
            dataset: rt.dataset,
            corpus: rt.ctx.corpus,
            embedder: rt.ctx.embedder,
            vectors,
            candidates: rt.ctx.config.phases.keywords.candidates,
            logger: rt.ctx.logger,
            out: resolve(opts.out ?? join(WEIGHTS_DIR, 'student-v1.json')),
            heldOutOut: resolve(opts.heldOutOut ?? join(WEIGHTS_DIR, 'silver-heldout.jsonl')),
            rowsOut: resolve(opts.rowsOut ?? join(work, 'rows.jsonl')),
            seed: opts.seed,
            heldOutThemesToShip: opts.shipThemes,
          });
          console.log(JSON.stringify(report, null, 2));
        } finally {
          await vectors.close();
        }
      });
    });
}
