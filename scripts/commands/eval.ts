import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { ROLES, roleUnavailableReason, type HubgenConfig, type Role } from '../../config/config.js';
import type { ScriptedServer } from '../../llm/simulator/scripted-server.js';
import { createProgress } from '../progress.js';
import { segmentCounts } from '../../catalogue/history.js';
import type { Dataset } from '../../catalogue/types.js';
import { configFrom, ensureIndexed, parseUsers, withHubgen, type GlobalOptions } from './shared.js';
import { USERS_SPEC_HELP } from './options.js';

interface EvalCommandOptions {
  readonly users?: string;
  readonly variants?: string;
  readonly sweep?: string;
  readonly target?: string;
  readonly simulate?: boolean;
  readonly out?: string;
  readonly concurrency?: number;
  readonly judge: boolean;
  readonly fromResult?: string;
  readonly calibrationFrom?: string;
}

/** LLM roles (bound to an OpenAI-compatible provider) — the ones --simulate answers. */
export function llmRoles(config: HubgenConfig): Role[] {
  return ROLES.filter((r) => {
    const b = config.roles[r];
    return b && config.providers[b.provider]?.kind === 'openai';
  });
}

/** "targetRecall>=0.1" → { metric, min }. */
export function parseTarget(text: string): { metric: string; min: number } {
  const m = /^([A-Za-z]+)\s*>=\s*([0-9.]+)$/.exec(text.trim());
  if (!m) throw new Error(`--target must look like "targetRecall>=0.1", got "${text}"`);
  return { metric: m[1], min: Number(m[2]) };
}

/** Instacart's train users have a real next order to score against; other datasets need not have that segment. */
const DEFAULT_EVAL_USERS = 'sample:50:train';
const defaultEvalUsers = (dataset: Dataset): string => (segmentCounts(dataset).has('train') ? DEFAULT_EVAL_USERS : 'sample:50');

/** --from-result: the report again from a stored result, with calibration records from another eval if asked. */
async function rerender(opts: EvalCommandOptions): Promise<void> {
  const [{ readEvalResult, attachCalibration, resultPath }, { writeReport }] = await Promise.all([import('../../evals/stored-result.js'), import('../../evals/report.js')]);
  let result = await readEvalResult(resolve(opts.fromResult!));
  if (opts.calibrationFrom) result = attachCalibration(result, await readEvalResult(resolve(opts.calibrationFrom)), opts.calibrationFrom);
  const outDir = resolve(opts.out ?? dirname(await resultPath(resolve(opts.fromResult!))));
  const paths = await writeReport({ result, outDir });
  console.log(`report: ${paths.markdownPath}\n        ${paths.htmlPath}\n        ${paths.jsonPath}`);
}

export function registerEvalCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('eval')
    .description('offline evals: run variants (cascaded, single-step, …) on the same users and write a markdown + HTML report')
    .option('-u, --users <spec>', `${USERS_SPEC_HELP} (default ${DEFAULT_EVAL_USERS}, or sample:50 when the dataset has no "train" segment)`)
    .option('--variants <list>', 'comma list: cascaded, single-step, single-step-local, or overrides like cascaded@themes.threshold=0.8+filter.relevanceThreshold=0.5 (default: all three, or without single-step when its LLM role is not configured)')
    .option('--sweep <spec>', 'threshold sweep instead, e.g. "themes.threshold=0.4..0.9:0.1"')
    .option('--target <metric>=<min>', 'quality the sweep must reach, e.g. "targetRecall>=0.08" or "newItemRecall>=0.04"', 'targetCategoryCoverage>=0.5')
    .option('--simulate', 'answer every LLM role with the scripted server\'s deterministic simulation (real prompts, real token counts, placeholder answers)')
    .option('--out <dir>', 'report folder (default <workDir>/evals/<timestamp>)')
    .option('-c, --concurrency <n>', 'users in parallel', (v) => Number.parseInt(v, 10))
    .option('--no-judge', 'skip the eval judge pass')
    .option('--from-result <dir|file>', 're-render the report of a stored result.json instead of running anything (an older result is upgraded to the current names); writes beside it unless --out is given')
    .option('--calibration-from <dir|file>', 'with --from-result: attach the calibration records of another eval (e.g. a smaller re-run on some of the same users) to a result written before evals recorded them')
    .action(async (opts: EvalCommandOptions) => {
      if (opts.fromResult) return rerender(opts);
      if (opts.calibrationFrom) throw new Error('--calibration-from only works with --from-result');
      let server: ScriptedServer | undefined;
      let simulatedRoles: Role[] = [];
      let overrides: Record<string, unknown> = {};
      let env = process.env;
      // Imported on use: the eval stack (runner, report plots) is heavy and only this command needs it.
      const [{ runEval }, { parseSweep, runSweep }, { writeReport }, { realEvalPipelines }] = await Promise.all([import('../../evals/runner.js'), import('../../evals/sweep.js'), import('../../evals/report.js'), import('../../evals/pipelines.js')]);
      if (opts.simulate) {
        const { startScriptedServer } = await import('../../llm/simulator/scripted-server.js');
        server = await startScriptedServer();
        const base = configFrom(globals());
        simulatedRoles = llmRoles(base);
        const providers = [...new Set(simulatedRoles.map((r) => base.roles[r]!.provider))];
        overrides = { providers: Object.fromEntries(providers.map((p) => [p, { baseURL: server!.baseURL }])) };
        env = { ...process.env, ...Object.fromEntries(providers.map((p) => [base.providers[p].apiKeyEnv ?? 'UNUSED', 'simulated-no-key'])) };
        process.stderr.write(`simulating ${simulatedRoles.join(', ')} on ${server.baseURL}: token counts are real, answers are placeholders\n`);
      }
      try {
        await withHubgen(
          globals(),
          async (hubgen) => {
            const rt = hubgen.runtime;
            const users = parseUsers(opts.users ?? defaultEvalUsers(rt.dataset), rt.dataset);
            await ensureIndexed(hubgen, { quiet: true });
            const unusable = ROLES.filter((r) => roleUnavailableReason(rt.ctx.config, r, env));
            if (unusable.length) process.stderr.write(`roles not configured (their tiers are skipped): ${unusable.join(', ')}\n`);
            const progress = createProgress('eval');
            const onProgress = (p: { done: number; total: number; variant?: string }) => progress.update(p.done, p.total, p.variant ?? '');
            const outDir = resolve(opts.out ?? resolve(rt.ctx.config.workDir, 'evals', new Date().toISOString().replace(/[:.]/g, '-')));
            let result;
            if (opts.sweep) {
              const { param, values } = parseSweep(opts.sweep);
              const sweep = await runSweep({ pipelines: realEvalPipelines, ctx: rt.ctx, dataset: rt.dataset, users, param, values, targetQuality: parseTarget(opts.target!), concurrency: opts.concurrency, onProgress, simulatedRoles, judge: opts.judge });
              result = sweep.result;
              progress.stop();
              console.log(`sweep ${param}: ${sweep.points.map((p) => `${p.value} → $${(p.costPerPage ?? 0).toFixed(5)}/page, ${p.quality?.toFixed(3) ?? '–'}`).join('; ')}`);
              console.log(sweep.proposal ? `proposed ${param} = ${sweep.proposal.value} (cheapest meeting ${opts.target})` : `no value meets ${opts.target}`);
            } else {
              const singleStepRole = rt.ctx.config.phases.singleStep.role;
              const variants = opts.variants
                ? opts.variants.split(',').map((v) => v.trim()).filter(Boolean)
                : rt.ctx.models.unavailableReason(singleStepRole)
                  ? (process.stderr.write(`single-step left out: its role "${singleStepRole}" is not configured (${rt.ctx.models.unavailableReason(singleStepRole)}); add --simulate to count its cost offline\n`), ['cascaded', 'single-step-local'])
                  : ['cascaded', 'single-step', 'single-step-local'];
              result = await runEval({ pipelines: realEvalPipelines, ctx: rt.ctx, dataset: rt.dataset, users, variants, concurrency: opts.concurrency, onProgress, simulatedRoles, judge: opts.judge });
              progress.stop();
            }
            const paths = await writeReport({ result, outDir });
            console.log(`report: ${paths.markdownPath}\n        ${paths.htmlPath}\n        ${paths.jsonPath}`);
          },
          { overrides, env },
        );
      } finally {
        await server?.close();
      }
    });
}
