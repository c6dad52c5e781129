/** Per-provider limits: every role bound to the provider shares one limiter. */
export interface ProviderLimits {
  readonly concurrency: number;
  readonly requestsPerMinute?: number;
  readonly tokensPerMinute?: number;
}

export interface LimiterOptions {
  /**
   * How much of the per-minute allowance may be spent at once. Providers enforce per-minute limits
   * over shorter windows too, so the default allows one second's worth, then paces.
   * @default 1000
   */
  readonly burstMs?: number;
  readonly now?: () => number;
  /**
   * Where the requests- and tokens-per-minute allowance lives. Default: in this process, built
   * from `limits`. A shared one (Redis, see shared-limits.ts) makes the limits hold across every
   * process that uses it; concurrency stays per process.
   */
  readonly allowance?: RateAllowance;
  /** Told when a token correction could not be recorded (a shared allowance's server was unreachable). */
  readonly onError?: (error: unknown) => void;
}

/** The outcome of asking an allowance for one request's worth. */
export type RateTake = { readonly granted: true; /** When, on the allowance's clock (ms). */ readonly at: number } | { readonly granted: false; readonly waitMs: number };

/** A provider's per-minute allowance: requests and tokens, taken together or not at all. */
export interface RateAllowance {
  /** Takes one request and `tokens` tokens if both are there now; otherwise says how long until they would be. */
  take(tokens: number): Promise<RateTake>;
  /** Charges (positive) or refunds (negative) after the fact: a call's real tokens, or a grant nobody used. */
  adjust(change: { readonly tokens?: number; readonly requests?: number }): Promise<void>;
}

/** A held slot. Release it exactly once, with the tokens the call really used when known. */
export interface Permit {
  release(actualTokens?: number): void;
}

/** A token bucket that refills continuously and may go negative when a call used more than estimated. */
class Bucket {
  private level: number;
  private last: number;
  constructor(
    readonly perMinute: number,
    readonly capacity: number,
    now: number,
  ) {
    this.level = capacity;
    this.last = now;
  }
  private refill(now: number): void {
    this.level = Math.min(this.capacity, this.level + ((now - this.last) * this.perMinute) / 60_000);
    this.last = now;
  }
  /** Milliseconds until `amount` is available (0: now). Amounts above capacity wait for a full bucket. */
  waitFor(amount: number, now: number): number {
    this.refill(now);
    const need = Math.min(amount, this.capacity);
    return this.level >= need ? 0 : Math.ceil(((need - this.level) * 60_000) / this.perMinute);
  }
  take(amount: number, now: number): void {
    this.refill(now);
    this.level -= amount;
  }
}

/** Both buckets in this process: what one worker on its own needs. */
export function localAllowance(limits: Pick<ProviderLimits, 'requestsPerMinute' | 'tokensPerMinute'>, { burstMs = 1000, now = () => performance.now() }: Pick<LimiterOptions, 'burstMs' | 'now'> = {}): RateAllowance {
  const t = now();
  const requests = limits.requestsPerMinute ? new Bucket(limits.requestsPerMinute, bucketCapacity(limits.requestsPerMinute, burstMs), t) : undefined;
  const tokens = limits.tokensPerMinute ? new Bucket(limits.tokensPerMinute, bucketCapacity(limits.tokensPerMinute, burstMs), t) : undefined;
  return {
    async take(amount) {
      const at = now();
      const waitMs = Math.max(requests?.waitFor(1, at) ?? 0, tokens?.waitFor(amount, at) ?? 0);
      if (waitMs > 0) return { granted: false, waitMs };
      requests?.take(1, at);
      tokens?.take(amount, at);
      return { granted: true, at };
    },
    async adjust(change) {
      const at = now();
      if (change.requests) requests?.take(change.requests, at);
      if (change.tokens) tokens?.take(change.tokens, at);
    },
  };
}

/** One burst's worth of a per-minute limit, at least one unit so a tiny limit still lets calls through. */
export const bucketCapacity = (perMinute: number, burstMs: number): number => Math.max(1, (perMinute * burstMs) / 60_000);

interface Waiter {
  readonly tokens: number;
  readonly grant: (p: Permit) => void;
  readonly fail: (e: unknown) => void;
  readonly signal?: AbortSignal;
  readonly onAbort: () => void;
}

/**
 * Concurrency, requests-per-minute and tokens-per-minute for one provider, first come first served.
 * Tokens are estimated before the call (prompt + expected output) and corrected on release. The
 * per-minute part is a RateAllowance: this process's own, or one every worker shares.
 */
export class ProviderLimiter {
  private inFlight = 0;
  private readonly queue: Waiter[] = [];
  private readonly allowance?: RateAllowance;
  private readonly onError: (error: unknown) => void;
  private timer: NodeJS.Timeout | undefined;
  private draining = false;
  private drainAgain = false;

  constructor(
    readonly limits: ProviderLimits,
    options: LimiterOptions = {},
  ) {
    if (!Number.isInteger(limits.concurrency) || limits.concurrency < 1) throw new RangeError(`limits.concurrency must be an integer >= 1, got ${limits.concurrency}`);
    for (const key of ['requestsPerMinute', 'tokensPerMinute'] as const) {
      const v = limits[key];
      if (v !== undefined && !(v > 0)) throw new RangeError(`limits.${key} must be > 0, got ${v}`);
    }
    const perMinute = limits.requestsPerMinute !== undefined || limits.tokensPerMinute !== undefined;
    this.allowance = options.allowance ?? (perMinute ? localAllowance(limits, options) : undefined);
    this.onError = options.onError ?? (() => {});
  }

  /** Calls waiting for a slot right now. */
  get pending(): number {
    return this.queue.length;
  }

  get active(): number {
    return this.inFlight;
  }

  /** Waits for a slot under every limit; rejects with the signal's reason if aborted while queued. */
  acquire(estimatedTokens: number, signal?: AbortSignal): Promise<Permit> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<Permit>((grant, fail) => {
      const waiter: Waiter = {
        tokens: Math.max(0, estimatedTokens),
        grant,
        fail,
        signal,
        onAbort: () => {
          const i = this.queue.indexOf(waiter);
          if (i >= 0) this.queue.splice(i, 1);
          fail(signal!.reason);
          this.pump();
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.queue.push(waiter);
      this.pump();
    });
  }

  /** acquire → fn → release, reporting the real token count when fn's result gives one. */
  async schedule<T>(estimatedTokens: number, fn: () => Promise<T>, options: { signal?: AbortSignal; actualTokens?: (result: T) => number | undefined } = {}): Promise<T> {
    const permit = await this.acquire(estimatedTokens, options.signal);
    let actual: number | undefined;
    try {
      const result = await fn();
      actual = options.actualTokens?.(result);
      return result;
    } finally {
      permit.release(actual);
    }
  }

  /** Starts a drain, or asks the running one to look again: only one drain runs at a time, so takes never race. */
  private pump(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.draining) {
      this.drainAgain = true;
      return;
    }
    this.draining = true;
    void this.drain().finally(() => {
      this.draining = false;
      if (this.drainAgain) {
        this.drainAgain = false;
        this.pump();
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0 && this.inFlight < this.limits.concurrency) {
      const head = this.queue[0];
      if (this.allowance) {
        let taken: RateTake;
        try {
          taken = await this.allowance.take(head.tokens);
        } catch (error) {
          // The allowance could not be asked (a shared one's server is down): fail this call rather than run it unlimited.
          this.remove(head);
          head.fail(error);
          continue;
        }
        if (!taken.granted) {
          this.timer = setTimeout(() => this.pump(), taken.waitMs);
          return;
        }
        if (this.queue[0] !== head) {
          // Aborted while we were taking for it: give the grant back.
          this.allowance.adjust({ requests: -1, tokens: -head.tokens }).catch(this.onError);
          continue;
        }
      }
      this.remove(head);
      this.inFlight++;
      head.grant(this.permit(head.tokens));
    }
  }

  private remove(waiter: Waiter): void {
    const i = this.queue.indexOf(waiter);
    if (i >= 0) this.queue.splice(i, 1);
    waiter.signal?.removeEventListener('abort', waiter.onAbort);
  }

  private permit(estimated: number): Permit {
    let released = false;
    return {
      release: (actualTokens) => {
        if (released) return;
        released = true;
        this.inFlight--;
        // Charge (or refund) the difference between what the call used and what we reserved,
        // before the next take, so it sees the corrected level.
        const diff = actualTokens === undefined ? 0 : actualTokens - estimated;
        if (diff !== 0 && this.allowance) {
          this.allowance
            .adjust({ tokens: diff })
            .catch(this.onError)
            .finally(() => this.pump());
        } else this.pump();
      },
    };
  }
}
