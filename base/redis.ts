import { Redis } from 'ioredis';
import { RedisUnavailableError } from './redis-unavailable-error.js';

export { RedisUnavailableError } from './redis-unavailable-error.js';

export interface ConnectRedisOptions {
  /** What the connection is for, named in errors ("the artefact store"). */
  readonly purpose: string;
  /** @default 3000 */
  readonly connectTimeoutMs?: number;
}

/**
 * One ioredis connection, checked before it is handed out: a wrong URL or a server that is down
 * fails at start with one clear error, instead of ioredis queueing commands and reconnecting
 * forever. After that first connect, ioredis reconnects by itself.
 */
export async function connectRedis(url: string, { purpose, connectTimeoutMs = 3000 }: ConnectRedisOptions): Promise<Redis> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RedisUnavailableError(url, purpose, 'the URL is not valid (expected redis://host:port[/db])');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new RedisUnavailableError(url, purpose, `the URL scheme is ${parsed.protocol} (expected redis: or rediss:)`);
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: connectTimeoutMs, maxRetriesPerRequest: 3 });
  // Without a listener ioredis prints every reconnect error to stderr as "Unhandled error event".
  redis.on('error', () => {});
  try {
    await redis.connect();
    await redis.ping();
  } catch (e) {
    redis.disconnect();
    throw new RedisUnavailableError(url, purpose, (e as Error).message || String(e), { cause: e });
  }
  return redis;
}
