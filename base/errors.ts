const MARKER = Symbol.for('hubgen.error');

/**
 * The base of every hubgen error. `isInstance` checks a `Symbol.for` marker rather than the
 * prototype chain, so it still answers correctly when two copies of hubgen are loaded (a library
 * consumer's bundle and the CLI, or a test that re-imports a module).
 *
 * A subclass sets `static override readonly kind`; the marker lists every kind up its chain, so
 * `HubgenError.isInstance(e)` holds for all of them and `DataError.isInstance(e)` for data errors.
 */
export class HubgenError extends Error {
  static readonly kind: string = 'hubgen';

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    const kinds: string[] = [];
    for (let c: unknown = new.target; typeof c === 'function' && c !== Error; c = Object.getPrototypeOf(c)) {
      if (Object.hasOwn(c, 'kind')) kinds.push((c as unknown as { kind: string }).kind);
    }
    Object.defineProperty(this, MARKER, { value: kinds, enumerable: false });
    Object.defineProperty(this, 'name', { value: new.target.name, enumerable: false, writable: true, configurable: true });
  }

  static isInstance<T extends HubgenError>(this: { readonly kind: string; readonly prototype: T }, error: unknown): error is T {
    if (typeof error !== 'object' || error === null) return false;
    const kinds = (error as { [MARKER]?: unknown })[MARKER];
    return Array.isArray(kinds) && kinds.includes(this.kind);
  }
}
