import { HubgenError } from './errors.js';

const HOW_TO_FIX = "start one (e.g. `redis-server --port 6379 --save '' --daemonize yes`) or point REDIS_URL at it";

/** A Redis that a configured component needs could not be reached; names the URL, the component and the fix. */
export class RedisUnavailableError extends HubgenError {
  static override readonly kind: string = 'redis-unavailable';
  constructor(
    readonly url: string,
    readonly purpose: string,
    reason: string,
    options?: ErrorOptions,
  ) {
    super(`Redis at ${url} (for ${purpose}) is not usable: ${reason}; ${HOW_TO_FIX}`, options);
  }
}
