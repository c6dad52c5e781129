import type { Logger } from 'pino';
import type { DataProblem } from '../catalogue/data-error.js';

export interface LoadOptions {
  /**
   * Skip bad rows (each reported in LoadReport.skipped) instead of failing. Whole-file problems
   * (missing file or column, malformed quoting) still throw: there is no row to skip.
   */
  readonly lenient?: boolean;
  readonly logger?: Logger;
}

/** What a dataset load kept and skipped; the same shape for every adapter. */
export interface LoadReport {
  readonly dir: string;
  readonly lenient: boolean;
  /** Rows kept, per file. */
  readonly rows: Readonly<Record<string, number>>;
  /** Every row dropped in lenient mode, with the file, line, field and value that dropped it. */
  readonly skipped: readonly DataProblem[];
  /** Of `skipped`, rows dropped only because they referred to a dropped row (when the adapter tells them apart). */
  readonly cascaded?: number;
  readonly elapsedMs: number;
}
