import type { Role } from '../../config/config-schema.js';
import { HubgenError } from '../../base/errors.js';

/** A model call was not made: its worst-case cost did not fit in what is left of the run's budget. */
export class BudgetExceededError extends HubgenError {
  static override readonly kind: string = 'budget-exceeded';
  constructor(
    readonly role: Role,
    readonly estimateUsd: number,
    readonly leftUsd: number,
    readonly limitUsd: number,
  ) {
    super(`budget of $${limitUsd} reached: a ${role} call could cost up to $${estimateUsd.toFixed(5)} and $${Math.max(0, leftUsd).toFixed(5)} is left (spent or held for calls in flight)`);
  }
}
