import { HubgenError } from '../../base/errors.js';

/** A single model call ran past its per-call timeout. Retryable: the server may just be slow. */
export class CallTimeoutError extends HubgenError {
  static override readonly kind: string = 'call-timeout';
  constructor(readonly timeoutMs: number) {
    super(`model call timed out after ${timeoutMs} ms (raise /providers/<name>/limits/timeoutMs if the server is just slow)`);
  }
}
