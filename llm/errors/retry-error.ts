import { HubgenError } from '../../base/errors.js';

export type RetryErrorReason = 'maxRetriesExceeded' | 'errorNotRetryable';

/** A call failed after retrying. Keeps every error in order, so the first cause is not lost. */
export class RetryError extends HubgenError {
  static override readonly kind: string = 'retry';
  constructor(
    readonly reason: RetryErrorReason,
    readonly errors: readonly unknown[],
    message?: string,
  ) {
    const last = errors.at(-1);
    const lastMessage = last instanceof Error ? last.message : String(last);
    super(
      message ??
        (reason === 'maxRetriesExceeded'
          ? `failed after ${errors.length} attempts; last error: ${lastMessage}`
          : `failed with a non-retryable error after ${errors.length} attempts: ${lastMessage}`),
      { cause: last },
    );
  }
  get lastError(): unknown {
    return this.errors.at(-1);
  }
}
