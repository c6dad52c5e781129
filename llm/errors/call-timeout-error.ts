const marker = Symbol.for('hubgen.error.call-timeout');

/** A single model call ran past its per-call timeout. Retryable: the server may just be slow. */
export class CallTimeoutError extends Error {
  readonly [marker] = true;
  override readonly name = 'CallTimeoutError';
  constructor(readonly timeoutMs: number) {
    super(`model call timed out after ${timeoutMs} ms (raise /providers/<name>/limits/timeoutMs if the server is just slow)`);
  }
  static isInstance(e: unknown): e is CallTimeoutError {
    return typeof e === 'object' && e !== null && marker in e;
  }
}
