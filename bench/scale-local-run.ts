/**
 * The local side of the scale bench, in its own process as `hubgen run` would be:
 * `tsx bench/scale-local-run.ts '<PageFixtureOptions JSON>' <users> <concurrency>`. Prints
 * {"done": n} every 100 users (the parent pairs them with the RSS it samples) and one result line.
 */
import { cascadedPipeline } from '../pipelines/cascaded.js';
import { runPages } from '../pipelines/run.js';
import { pageFixture, type PageFixtureOptions } from '../testing/queue-fixture.js';

const [json, count, concurrency] = process.argv.slice(2);
const f = await pageFixture(JSON.parse(json) as PageFixtureOptions);
const users = Array.from({ length: Number(count) }, (_, i) => `s${i}`);
process.stdout.write('ready\n');
const t0 = performance.now();
// Wall times are kept here, a number a user (the run itself keeps none, and reading its manifest
// back before the result line would show in the RSS the parent samples).
const userWallMs: number[] = [];
const { summary } = await runPages({
  ctx: f.ctx,
  contextFor: f.contextFor,
  users,
  pipeline: cascadedPipeline,
  runsDir: `${f.config.workDir}/runs`,
  concurrency: Number(concurrency),
  onUserDone: (record, done) => {
    userWallMs.push(record.wallMs);
    if (done % 100 === 0) process.stdout.write(`${JSON.stringify({ done })}\n`);
  },
});
const wallMs = performance.now() - t0;
process.stdout.write(`${JSON.stringify({ result: { wallMs, ok: summary.ok, failed: summary.failed, userWallMs } })}\n`);
await f.close();
