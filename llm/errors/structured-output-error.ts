import type { Usage } from '../usage.js';
import type { FinishReason, StructuredAttempt, StructuredFailureStage } from '../types.js';
import { HubgenError } from '../../base/errors.js';

export type { StructuredFailureStage } from '../types.js';

/**
 * Where structured generation gave up: the reply was not JSON, was JSON that failed the schema,
 * was refused, was cut off (length), was filtered, or the request itself kept failing.
 */

const STAGE_TEXT: Record<StructuredFailureStage, string> = {
  'not-json': 'was not JSON',
  schema: 'failed the schema',
  refusal: 'was a refusal',
  length: 'was cut off at the output token limit (finish_reason "length")',
  content_filter: 'was blocked by the provider content filter',
  request: 'could not be obtained: the request kept failing',
};

export interface StructuredOutputErrorFields {
  readonly stage: StructuredFailureStage;
  readonly model: string;
  readonly detail: string;
  /** The last raw reply text (or refusal text), for debugging; undefined when no reply arrived. */
  readonly text: string | undefined;
  readonly finishReason: FinishReason | undefined;
  /** Summed over every attempt: failed calls were still paid for. */
  readonly usage: Usage;
  readonly attempts: readonly StructuredAttempt[];
  /** ajv errors for "schema", the parse error for "not-json", the RetryError for "request". */
  readonly cause?: unknown;
}

/** No valid structured value came back. Nothing unvalidated ever leaves generateStructured instead. */
export class StructuredOutputError extends HubgenError {
  static override readonly kind: string = 'structured-output';
  readonly stage: StructuredFailureStage;
  readonly model: string;
  readonly text: string | undefined;
  readonly finishReason: FinishReason | undefined;
  readonly usage: Usage;
  readonly attempts: readonly StructuredAttempt[];
  constructor(fields: StructuredOutputErrorFields) {
    const calls = fields.attempts.length;
    super(`${fields.model}: output ${STAGE_TEXT[fields.stage]} (after ${calls} attempt${calls === 1 ? '' : 's'}): ${fields.detail}`, { cause: fields.cause });
    this.stage = fields.stage;
    this.model = fields.model;
    this.text = fields.text;
    this.finishReason = fields.finishReason;
    this.usage = fields.usage;
    this.attempts = fields.attempts;
  }
}
