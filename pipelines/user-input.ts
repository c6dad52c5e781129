import type { Dataset } from '../catalogue/types.js';
import type { UserContext } from '../catalogue/user-context-types.js';
import { userHistory } from '../catalogue/history.js';
import { buildUserContext } from '../catalogue/user-context.js';

/** Builds the phases' input for one user from their history orders only (never the target order). */
export function userContextFor(dataset: Dataset, userId: string): UserContext {
  return buildUserContext(userHistory(dataset, userId), dataset.catalogue, dataset.users.get(userId));
}
