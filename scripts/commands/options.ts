import { DEFAULT_CONFIG_FILE, loadConfig, type HubgenConfig } from '../../config/config.js';

/** Options every subcommand shares (set before the subcommand name). */
export interface GlobalOptions {
  readonly config?: string;
  readonly workDir?: string;
  /** Dataset directory; wins over HUBGEN_DATA_DIR and the config file. */
  readonly data?: string;
  readonly lenient?: boolean;
  readonly logLevel?: string;
}

/** Loads and validates the config once, at the CLI edge; --work-dir and --data win over file and env. */
export function configFrom(opts: GlobalOptions, overrides: Record<string, unknown> = {}): HubgenConfig {
  return loadConfig({ file: opts.config, overrides: configOverrides(opts, overrides) });
}

/** The global flags as config overrides, applied last like any override. */
export const configOverrides = (opts: GlobalOptions, overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  ...(opts.workDir ? { workDir: opts.workDir } : {}),
  ...(opts.data ? { dataDir: opts.data } : {}),
  ...overrides,
});

/** Where an explicit dataDir came from, in the order loadConfig lets them win, so `hubgen config` can say why. */
export function dataDirFrom(opts: GlobalOptions, env: NodeJS.ProcessEnv = process.env): string {
  if (opts.data) return '--data';
  if (env.HUBGEN_DATA_DIR) return 'HUBGEN_DATA_DIR';
  return opts.config ?? DEFAULT_CONFIG_FILE;
}

/** --budget <usd>: a non-negative number of dollars. */
export function parseBudget(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !(n >= 0)) throw new Error(`--budget must be a non-negative number, got "${value}"`);
  return n;
}

/** What every `--users` accepts (shared.ts parseUsers reads it), for the commands' help. */
export const USERS_SPEC_HELP = 'ids "1,2,3", @file (one id per line), all, or sample:N[:segment]';
