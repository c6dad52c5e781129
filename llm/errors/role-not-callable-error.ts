import type { Role } from '../../config/config-schema.js';

const marker = Symbol.for('hubgen.error.role-not-callable');

/** generateStructured was asked for a role it cannot call: unbound, unavailable, or bound to a local provider. */
export class RoleNotCallableError extends Error {
  readonly [marker] = true;
  override readonly name = 'RoleNotCallableError';
  constructor(
    readonly role: Role,
    readonly reason: string,
  ) {
    super(`role "${role}" cannot be called through the model registry: ${reason}`);
  }
  static isInstance(e: unknown): e is RoleNotCallableError {
    return typeof e === 'object' && e !== null && marker in e;
  }
}
