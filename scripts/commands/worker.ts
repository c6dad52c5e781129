import type { Command } from 'commander';
import { userContextFor } from '../../catalogue/user-context.js';
import { exitCodeFor, queueRuntimeOptions } from './run.js';
import { ensureIndexed, withHubgen, type GlobalOptions } from './shared.js';

const positiveInt = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got "${v}"`);
  return n;
};

export function registerWorkerCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('worker')
    .description('process the page jobs `hubgen run --queue` enqueues, on this machine; run as many as you like, anywhere with the same config and data')
    .option('--queue [url]', 'the Redis the runs are queued on (default: REDIS_URL)')
    .option('-c, --concurrency <n>', 'users this worker runs at once (default: config queue.concurrency)', positiveInt('--concurrency'))
    .action(async (opts: { queue?: string | boolean; concurrency?: number }) => {
      const { url, overrides } = queueRuntimeOptions(globals(), opts.queue ?? true);
      let stoppedBy: NodeJS.Signals | undefined;
      await withHubgen(
        globals(),
        async (hubgen) => {
          const rt = hubgen.runtime;
          // Each machine needs the index its vector store holds; a shared Qdrant is found indexed.
          await ensureIndexed(hubgen, { quiet: true });
          const [{ connectRedis }, { withAnswerCache }, { cascadedPipeline }, { startPageWorker }, { bullConnection, checkEvictionPolicy, pageConfigDigest, redactUrl }] = await Promise.all([
            import('../../base/redis.js'),
            import('../../kit/answer-cache.js'),
            import('../../pipelines/cascaded.js'),
            import('../../queue/worker.js'),
            import('../../queue/connection.js'),
          ]);
          const { ctx } = rt;
          const redis = await connectRedis(url!, { purpose: 'the run queue' });
          const warning = await checkEvictionPolicy(redis, ctx.logger);
          if (warning) process.stderr.write(`warning: ${warning}\n`);
          const concurrency = opts.concurrency ?? ctx.config.queue.concurrency;
          let done = 0;
          let failed = 0;
          const pageWorker = startPageWorker({
            // Answers by content hash: a job taken back from a dead worker replays the calls it had paid for from the store.
            ctx: { ...ctx, models: withAnswerCache(ctx.models, ctx) },
            contextFor: (id) => userContextFor(rt.dataset, id),
            pipelines: { cascaded: cascadedPipeline },
            connection: bullConnection(url!),
            redis,
            queue: ctx.config.queue,
            concurrency,
            configDigest: pageConfigDigest(ctx.config),
            onUserDone: (record, job) => {
              done++;
              if (record.status === 'failed') failed++;
              ctx.logger.info({ runId: job.data.runId, userId: record.userId, status: record.status, wallMs: record.wallMs }, 'user done');
            },
          });
          await pageWorker.worker.waitUntilReady();
          process.stderr.write(`worker ${pageWorker.worker.opts.name} ready: queue ${redactUrl(url!)}, ${concurrency} users at a time (SIGTERM or Ctrl-C finishes the users in flight, then exits)\n`);
          await new Promise<void>((resolveStop) => {
            const onSignal = (signal: NodeJS.Signals) => {
              stoppedBy = signal;
              process.stderr.write(`\n${signal}: finishing the users in flight, then exiting (${signal === 'SIGINT' ? 'Ctrl-C' : signal} again to force)\n`);
              process.once(signal, () => process.exit(exitCodeFor(signal)));
              resolveStop();
            };
            process.once('SIGINT', onSignal);
            process.once('SIGTERM', onSignal);
          });
          await pageWorker.close();
          await redis.quit();
          process.stderr.write(`worker stopped: ${done} users done here (${failed} failed)\n`);
        },
        { overrides },
      );
      // A worker asked to stop that stopped cleanly did its job: exit 0 so supervisors do not restart it as crashed.
      if (stoppedBy) process.exitCode = 0;
    });
}
