import { resolve } from 'node:path';
import type { Command } from 'commander';
import { withRuntime, type GlobalOptions } from './shared.js';

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
    .action(async (opts: { out?: string }) => {
      await withRuntime(globals(), async (rt) => {
        const { runTrainRelevance } = await import('../../phases/filter/index.js');
        const report = await runTrainRelevance({ ctx: rt.ctx, out: opts.out && resolve(opts.out) });
        console.log(JSON.stringify(report, null, 2));
      });
    });
}
