/**
 * A batch run in its own process, for the test that kills one mid-poll:
 * `tsx testing/batch-run-process.ts '<PageFixtureOptions JSON>' <runId> <users>`. Prints one JSON
 * line per round event, and {"done": …} at the end.
 */
import pino from 'pino';
import { createBatchRunner } from '../llm/batch/index.js';
import { runBatchRounds } from '../pipelines/batch-rounds.js';
import { cascadedPipeline } from '../pipelines/cascaded.js';
import { pageFixture, type PageFixtureOptions } from './queue-fixture.js';

const [json, runId, count] = process.argv.slice(2);
const options = JSON.parse(json) as PageFixtureOptions;
const f = await pageFixture(options);
const users = Array.from({ length: Number(count) }, (_, i) => `s${i}`);
const runner = createBatchRunner(f.config, { logger: pino({ level: 'silent' }), env: {} });
const r = await runBatchRounds({ ctx: f.ctx, contextFor: f.contextFor, users, pipeline: cascadedPipeline, runsDir: `${f.config.workDir}/runs`, runId, runner, onRound: (info) => console.log(JSON.stringify(info)) });
console.log(JSON.stringify({ done: r.summary.ok }));
await f.close();
