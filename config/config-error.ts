import { HubgenError } from '../base/errors.js';

/** An invalid configuration: names the file and the JSON path of every problem. */
export class ConfigError extends HubgenError {
  static override readonly kind: string = 'config';
  constructor(
    readonly file: string,
    readonly problems: string,
  ) {
    super(`Invalid config ${file}: ${problems}`);
  }
}
