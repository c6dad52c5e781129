import type { Redis } from 'ioredis';
import { connectRedis } from '../base/redis.js';
import type { HubgenConfig } from '../config/config.js';
import { bucketCapacity, type ProviderLimits, type RateAllowance, type RateTake } from './limits.js';

/**
 * The same two token buckets as localAllowance (continuous refill, one burst's capacity, may go
 * negative when a call used more than reserved), kept in Redis and updated by one Lua script so
 * that check-and-take is atomic across every process. Time is the Redis server's (TIME), so
 * workers on machines with skewed clocks still agree. Keys share a hash tag and so a cluster slot.
 */
const SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local function level(key, rate, cap)
  local v = redis.call('HMGET', key, 'level', 'at')
  local l, at = tonumber(v[1]), tonumber(v[2])
  if not l then return cap end
  return math.min(cap, l + math.max(0, now - at) * rate / 60000)
end
local function save(key, l, rate, cap)
  l = math.min(cap, l)
  redis.call('HSET', key, 'level', string.format('%.6f', l), 'at', string.format('%.3f', now))
  -- Once refilled the bucket is full, which is what a missing key reads as: let it go then.
  redis.call('PEXPIRE', key, math.ceil((cap - l) * 60000 / rate) + 1000)
end
local function wait(l, need, rate, cap)
  need = math.min(need, cap)
  if l >= need then return 0 end
  return math.ceil((need - l) * 60000 / rate)
end
local rpm, rcap, tpm, tcap = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local reqs, toks = tonumber(ARGV[6]), tonumber(ARGV[7])
local rl = 0
local tl = 0
if rpm > 0 then rl = level(KEYS[1], rpm, rcap) end
if tpm > 0 then tl = level(KEYS[2], tpm, tcap) end
if ARGV[1] == 'take' then
  local w = 0
  if rpm > 0 then w = math.max(w, wait(rl, reqs, rpm, rcap)) end
  if tpm > 0 then w = math.max(w, wait(tl, toks, tpm, tcap)) end
  if w > 0 then return {0, tostring(w)} end
end
if rpm > 0 and reqs ~= 0 then save(KEYS[1], rl - reqs, rpm, rcap) end
if tpm > 0 and toks ~= 0 then save(KEYS[2], tl - toks, tpm, tcap) end
return {1, string.format('%.3f', now)}
`;

type RateScript = Redis & {
  hubgenRate(requestsKey: string, tokensKey: string, mode: 'take' | 'adjust', rpm: number, rcap: number, tpm: number, tcap: number, requests: number, tokens: number): Promise<[number, string]>;
};

export interface RedisRateAllowanceOptions {
  /** Names the buckets: every process limiting this provider must use the same name and prefix. */
  readonly provider: string;
  readonly limits: Pick<ProviderLimits, 'requestsPerMinute' | 'tokensPerMinute'>;
  /** As LimiterOptions.burstMs. @default 1000 */
  readonly burstMs?: number;
  /** @default "hubgen:" */
  readonly prefix?: string;
}

/** A provider's per-minute allowance shared by every process that points at the same Redis. */
export function redisRateAllowance(redis: Redis, { provider, limits, burstMs = 1000, prefix = 'hubgen:' }: RedisRateAllowanceOptions): RateAllowance {
  if (!('hubgenRate' in redis)) redis.defineCommand('hubgenRate', { numberOfKeys: 2, lua: SCRIPT });
  const script = redis as RateScript;
  const keys = [`${prefix}rate:{${provider}}:requests`, `${prefix}rate:{${provider}}:tokens`] as const;
  const rpm = limits.requestsPerMinute ?? 0;
  const tpm = limits.tokensPerMinute ?? 0;
  const shape = [rpm, rpm ? bucketCapacity(rpm, burstMs) : 0, tpm, tpm ? bucketCapacity(tpm, burstMs) : 0] as const;
  return {
    async take(tokens): Promise<RateTake> {
      const [granted, value] = await script.hubgenRate(...keys, 'take', ...shape, 1, tokens);
      return granted === 1 ? { granted: true, at: Number(value) } : { granted: false, waitMs: Number(value) };
    },
    async adjust({ tokens = 0, requests = 0 }) {
      await script.hubgenRate(...keys, 'adjust', ...shape, requests, tokens);
    },
  };
}

/** Per-minute allowances for every provider, shared through one Redis connection. */
export interface SharedRateLimits {
  allowanceFor(provider: string, limits: Pick<ProviderLimits, 'requestsPerMinute' | 'tokensPerMinute'>): RateAllowance;
  close(): Promise<void>;
}

/**
 * What `config.limiterStore` names: undefined for `process` (each process keeps its own limits),
 * or Redis-backed allowances every worker shares. Connects now, so a wrong URL fails at start.
 */
export async function openSharedRateLimits(config: HubgenConfig): Promise<SharedRateLimits | undefined> {
  const store = config.limiterStore;
  if (store.kind !== 'redis') return undefined;
  const redis = await connectRedis(store.url!, { purpose: 'shared rate limits' });
  return {
    allowanceFor: (provider, limits) => redisRateAllowance(redis, { provider, limits, prefix: store.prefix }),
    close: async () => void (await redis.quit()),
  };
}
