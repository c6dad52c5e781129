import { loadConfig, type HubgenConfig } from '../../config/config.js';

/** Options every subcommand shares (set before the subcommand name). */
export interface GlobalOptions {
  readonly config?: string;
  readonly workDir?: string;
  readonly lenient?: boolean;
  readonly logLevel?: string;
}

/** Loads and validates the config once, at the CLI edge; --work-dir wins over file and env. */
export function configFrom(opts: GlobalOptions, overrides: Record<string, unknown> = {}): HubgenConfig {
  return loadConfig({ file: opts.config, overrides: { ...(opts.workDir ? { workDir: opts.workDir } : {}), ...overrides } });
}

/** --budget <usd>: a non-negative number of dollars. */
export function parseBudget(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !(n >= 0)) throw new Error(`--budget must be a non-negative number, got "${value}"`);
  return n;
}
