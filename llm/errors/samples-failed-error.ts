import type { Usage } from '../usage.js';
import { HubgenError } from '../../base/errors.js';

/**
 * Every sample of an agreement call failed. Carries the usage of all of them, so the cascade
 * charges what was paid, and the first sample's error as the cause.
 */
export class SamplesFailedError extends HubgenError {
  static override readonly kind: string = 'samples-failed';
  constructor(
    readonly samples: number,
    readonly usage: Usage,
    readonly errors: readonly unknown[],
  ) {
    const first = errors[0];
    super(`all ${samples} samples failed; first: ${first instanceof Error ? first.message : String(first)}`, { cause: first });
  }
}
