import type { Role } from '../../config/config-schema.js';
import { HubgenError } from '../../base/errors.js';

/** generateStructured was asked for a role it cannot call: unbound, unavailable, or bound to a local provider. */
export class RoleNotCallableError extends HubgenError {
  static override readonly kind: string = 'role-not-callable';
  constructor(
    readonly role: Role,
    readonly reason: string,
  ) {
    super(`role "${role}" cannot be called through the model registry: ${reason}`);
  }
}
