/**
 * A page worker process for tests and the scale bench: `tsx testing/queue-worker.ts '<PageFixtureOptions JSON>' [concurrency]`.
 * Builds the fixture's context (the same one the test process builds), runs startPageWorker, prints
 * "ready" on stdout, and on SIGTERM finishes its jobs in flight and exits 0, as `hubgen worker` does.
 */
import { connectRedis } from '../base/redis.js';
import { cascadedPipeline } from '../pipelines/cascaded.js';
import { bullConnection, pageConfigDigest } from '../queue/connection.js';
import { startPageWorker } from '../queue/worker.js';
import { pageFixture, type PageFixtureOptions } from './queue-fixture.js';

const options = JSON.parse(process.argv[2]) as PageFixtureOptions;
const concurrency = process.argv[3] ? Number(process.argv[3]) : undefined;
if (!options.redisUrl) throw new Error('queue-worker: redisUrl is required');
const fixture = await pageFixture(options);
const redis = await connectRedis(options.redisUrl, { purpose: 'run records' });
const pageWorker = startPageWorker({
  ctx: fixture.ctx,
  contextFor: fixture.contextFor,
  pipelines: { cascaded: cascadedPipeline },
  connection: bullConnection(options.redisUrl),
  redis,
  queue: fixture.config.queue,
  concurrency,
  configDigest: pageConfigDigest(fixture.config),
});
await pageWorker.worker.waitUntilReady();
process.stdout.write('ready\n');
process.once('SIGTERM', async () => {
  process.stdout.write('closing\n');
  await pageWorker.close();
  await fixture.close();
  await redis.quit();
  process.stdout.write('closed\n');
  process.exit(0);
});
