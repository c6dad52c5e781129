/**
 * One worker process for the cross-process artefact tests: opens the Redis store, says "ready",
 * waits for "go" on stdin, asks cachedArtefact for one artefact whose computation counts itself
 * in Redis (INCR <prefix>computations), says "computing" when it starts one, sleeps `computeMs`,
 * and prints {"cached": …} when it has the artefact.
 * Usage: node --import tsx testing/artefact-claim-worker.ts <redisUrl> <prefix> <computeMs> <claimLeaseMs>
 */
import { createInterface } from 'node:readline';
import pino from 'pino';
import { systemClock } from '../base/clock.js';
import { cachedArtefact } from '../kit/artefacts/cache.js';
import { openRedisArtefactStore } from '../kit/artefacts/redis-store.js';
import { ZERO_USAGE } from '../llm/usage.js';

const [url, prefix, computeMs, claimLeaseMs] = process.argv.slice(2);
const store = await openRedisArtefactStore(url, { prefix, claimLeaseMs: Number(claimLeaseMs) });
console.log('ready');
for await (const line of createInterface({ input: process.stdin })) if (line.trim() === 'go') break;
const key = { phase: 'themes', phaseVersion: '1', config: {}, models: {}, promptVersion: 'v', inputs: ['user-1'] };
const result = await cachedArtefact(
  { artefacts: store, logger: pino({ level: 'silent' }), clock: systemClock },
  key,
  async () => {
    await store.redis.incr(`${prefix}computations`);
    console.log('computing');
    await new Promise((r) => setTimeout(r, Number(computeMs)));
    return { data: { by: process.pid }, provenance: { attempts: [], usage: ZERO_USAGE, latencyMs: Number(computeMs), role: 'local', model: 'm', confidence: 1 } };
  },
  { pollMs: [10, 50] },
);
console.log(JSON.stringify({ cached: result.cached, by: (result.artefact.data as { by: number }).by }));
await store.close();
process.exit(0);
