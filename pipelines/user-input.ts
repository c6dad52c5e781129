import type { Dataset } from '../instacart/load.js';
import type { UserContext } from '../instacart/user-context-types.js';
import { userHistory } from '../instacart/history.js';
import { buildUserContext } from '../instacart/user-context.js';

/** Builds the phases' input for one user from their history orders only (never the target order). */
export function userContextFor(dataset: Dataset, userId: number): UserContext {
  return buildUserContext(userHistory(dataset, userId), dataset.catalogue);
}
