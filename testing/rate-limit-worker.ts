/**
 * One worker process for the shared-rate-limit test: connects, says "ready", waits for "go" on
 * stdin (so both workers contend at once whatever their start-up time), takes `calls` requests
 * through a ProviderLimiter on the Redis allowance, and prints the Redis-clock times it was granted
 * them as one JSON line.
 * Usage: node --import tsx testing/rate-limit-worker.ts <redisUrl> <prefix> <calls> <rpm> <burstMs>
 */
import { createInterface } from 'node:readline';
import { connectRedis } from '../base/redis.js';
import { ProviderLimiter, type RateAllowance } from '../llm/limits.js';
import { redisRateAllowance } from '../llm/shared-limits.js';

const [url, prefix, calls, rpm, burstMs] = process.argv.slice(2);
const redis = await connectRedis(url, { purpose: 'the rate-limit test worker' });
const shared = redisRateAllowance(redis, { provider: 'openai', limits: { requestsPerMinute: Number(rpm) }, burstMs: Number(burstMs), prefix });
const grants: number[] = [];
const recording: RateAllowance = {
  take: async (tokens) => {
    const r = await shared.take(tokens);
    if (r.granted) grants.push(r.at);
    return r;
  },
  adjust: (change) => shared.adjust(change),
};
const limiter = new ProviderLimiter({ concurrency: 4 }, { allowance: recording });
console.log('ready');
const lines = createInterface({ input: process.stdin });
for await (const line of lines) if (line.trim() === 'go') break;
await Promise.all(Array.from({ length: Number(calls) }, () => limiter.schedule(0, async () => undefined)));
console.log(JSON.stringify(grants));
await redis.quit();
