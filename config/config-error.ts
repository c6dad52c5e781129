const marker = Symbol.for('hubgen.error.config');

/** An invalid configuration: names the file and the JSON path of every problem. */
export class ConfigError extends Error {
  readonly [marker] = true;
  override readonly name = 'ConfigError';
  constructor(
    readonly file: string,
    readonly problems: string,
  ) {
    super(`Invalid config ${file}: ${problems}`);
  }
  static isInstance(e: unknown): e is ConfigError {
    return typeof e === 'object' && e !== null && marker in e;
  }
}
