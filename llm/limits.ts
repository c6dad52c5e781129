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

interface Waiter {
  readonly tokens: number;
  readonly grant: (p: Permit) => void;
  readonly fail: (e: unknown) => void;
  readonly signal?: AbortSignal;
  readonly onAbort: () => void;
}

/**
 * Concurrency, requests-per-minute and tokens-per-minute for one provider, first come first served.
 * Tokens are estimated before the call (prompt + expected output) and corrected on release.
 */
export class ProviderLimiter {
  private inFlight = 0;
  private readonly queue: Waiter[] = [];
  private readonly requests?: Bucket;
  private readonly tokens?: Bucket;
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(
    readonly limits: ProviderLimits,
    options: LimiterOptions = {},
  ) {
    if (!Number.isInteger(limits.concurrency) || limits.concurrency < 1) throw new RangeError(`limits.concurrency must be an integer >= 1, got ${limits.concurrency}`);
    for (const key of ['requestsPerMinute', 'tokensPerMinute'] as const) {
      const v = limits[key];
      if (v !== undefined && !(v > 0)) throw new RangeError(`limits.${key} must be > 0, got ${v}`);
    }
    this.now = options.now ?? (() => performance.now());
    const burstMs = options.burstMs ?? 1000;
    const t = this.now();
    if (limits.requestsPerMinute) this.requests = new Bucket(limits.requestsPerMinute, Math.max(1, (limits.requestsPerMinute * burstMs) / 60_000), t);
    if (limits.tokensPerMinute) this.tokens = new Bucket(limits.tokensPerMinute, Math.max(1, (limits.tokensPerMinute * burstMs) / 60_000), t);
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

  private pump(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    while (this.queue.length > 0 && this.inFlight < this.limits.concurrency) {
      const head = this.queue[0];
      const now = this.now();
      const wait = Math.max(this.requests?.waitFor(1, now) ?? 0, this.tokens?.waitFor(head.tokens, now) ?? 0);
      if (wait > 0) {
        this.timer = setTimeout(() => this.pump(), wait);
        return;
      }
      this.queue.shift();
      head.signal?.removeEventListener('abort', head.onAbort);
      this.requests?.take(1, now);
      this.tokens?.take(head.tokens, now);
      this.inFlight++;
      head.grant(this.permit(head.tokens));
    }
  }

  private permit(estimated: number): Permit {
    let released = false;
    return {
      release: (actualTokens) => {
        if (released) return;
        released = true;
        this.inFlight--;
        // Charge (or refund) the difference between what the call used and what we reserved.
        if (actualTokens !== undefined && this.tokens) this.tokens.take(actualTokens - estimated, this.now());
        this.pump();
      },
    };
  }
}
