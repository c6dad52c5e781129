import { resolve, sep } from 'node:path';

const marker = Symbol.for('hubgen.error.unsafe-path');

/** A URL named something that is not a plain name inside the store: answered with 400, nothing is read. */
export class UnsafePathError extends Error {
  readonly [marker] = true;
  override readonly name = 'UnsafePathError';
  constructor(
    readonly what: string,
    readonly value: string,
  ) {
    super(`${what} "${value.slice(0, 80)}" is not a plain name (letters, digits, . _ - only, no "..")`);
  }
  static isInstance(e: unknown): e is UnsafePathError {
    return typeof e === 'object' && e !== null && marker in e;
  }
}

// Run ids, report folders and plot files are generated names; nothing legitimate needs more than this.
const PLAIN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

/** One path segment taken from a URL; throws unless it is a plain name that cannot leave its folder. */
export function plainName(value: string, what: string): string {
  if (!PLAIN_NAME.test(value) || value.includes('..')) throw new UnsafePathError(what, value);
  return value;
}

/** Artefact addresses are sha256 hex; anything else is not an address. */
export function artefactHash(value: string): string {
  if (!/^[0-9a-f]{64}$/.test(value)) throw new UnsafePathError('artefact hash', value);
  return value;
}

/**
 * `root` joined with `segments`, refused unless the result stays strictly inside `root`. The last
 * line of defence behind plainName: every file the inspector reads goes through it.
 */
export function insideDir(root: string, ...segments: string[]): string {
  return assertInside(root, resolve(resolve(root), ...segments), segments.join('/'));
}

/** `path` itself, when it lies strictly inside `root`; for paths another module built (e.g. the store's layout). */
export function assertInside(root: string, path: string, shown = path): string {
  const base = resolve(root);
  const full = resolve(path);
  if (!full.startsWith(base + sep)) throw new UnsafePathError('path', shown);
  return full;
}
