import { HubgenError } from '../../base/errors.js';

/**
 * A job key already has a batch in flight (or done) for other requests. Submitting again could pay
 * twice, so the run stops and says which record to delete (or to use another job key).
 */
export class BatchStateMismatchError extends HubgenError {
  static override readonly kind: string = 'batch-state-mismatch';
  constructor(
    readonly jobKey: string,
    readonly record: string,
    readonly batchIds: readonly string[],
  ) {
    super(
      `batch job "${jobKey}" was submitted earlier with other requests (batches ${batchIds.join(', ') || '(none created yet)'}); ` +
        `use a new job key, or cancel those batches and delete ${record} to submit again`,
    );
  }
}
