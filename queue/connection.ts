import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { ConnectionOptions } from 'bullmq';
import type { Logger } from 'pino';
import { canonicalJson } from '../base/hash.js';
import type { HubgenConfig } from '../config/config.js';

/**
 * BullMQ's connection for a URL. Workers block on Redis and must keep retrying through a restart
 * rather than fail a command, which is what `maxRetriesPerRequest: null` asks of ioredis.
 */
export const bullConnection = (url: string): ConnectionOptions => ({ url, maxRetriesPerRequest: null });

/** The URL without its password, for logs and messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

/**
 * BullMQ loses jobs silently under any eviction policy but noeviction (a full Redis evicts a job's
 * keys); say so once, at start, with the fix.
 */
export async function checkEvictionPolicy(redis: Redis, logger: Logger): Promise<string | undefined> {
  try {
    const [, policy] = (await redis.config('GET', 'maxmemory-policy')) as [string, string];
    if (policy && policy !== 'noeviction') {
      const message = `Redis maxmemory-policy is "${policy}"; a queue needs "noeviction" (redis-cli CONFIG SET maxmemory-policy noeviction), or a full Redis may drop queued users`;
      logger.warn({ policy }, message);
      return message;
    }
  } catch {
    // Managed Redis services often refuse CONFIG; nothing to check then.
  }
  return undefined;
}

/** The config slices that shape a page: workers compare theirs with the run's and say when they differ. */
export function pageConfigDigest(config: HubgenConfig): string {
  const { phases, roles, prices, providers } = config;
  // Provider endpoints decide which model answers; limits and keys do not change a page.
  const endpoints = Object.fromEntries(Object.entries(providers).map(([name, p]) => [name, { kind: p.kind, baseURL: p.baseURL }]));
  return createHash('sha256').update(canonicalJson({ phases, roles, prices, endpoints })).digest('hex').slice(0, 16);
}

/**
 * The config a queue command runs with: the queue's URL, and, when `queue.shareStores` is on and
 * the config keeps them local, artefacts and rate limits in the same Redis, so workers share
 * both. Returns overrides for loadConfig, and what was switched, for one log line.
 */
export function queueOverrides(config: HubgenConfig, url: string): { overrides: Record<string, unknown>; shared: string[] } {
  const overrides: Record<string, unknown> = { queue: { url } };
  const shared: string[] = [];
  if (config.queue.shareStores) {
    if (config.artefactStore.kind === 'fs') {
      overrides.artefactStore = { kind: 'redis', url };
      shared.push('artefacts');
    }
    if (config.limiterStore.kind === 'process') {
      overrides.limiterStore = { kind: 'redis', url };
      shared.push('rate limits');
    }
  }
  return { overrides, shared };
}
