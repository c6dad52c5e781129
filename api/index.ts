/**
 * The public entry point: `import { createHubgen } from 'hubgen'`. Everything exported here is
 * the supported surface; the rest of the code base may move.
 */
export { createHubgen, type CreateHubgenOptions, type EvaluateOptions, type GeneratedPage, type Hubgen, type RunBatchOptions } from './hubgen.js';
export { pageExportSchema, type PageExportRecord } from '../pipelines/export.js';
export type { HubgenConfig, Role } from '../config/config.js';
export type { Catalogue, Category, Dataset, Order, Product, User } from '../catalogue/types.js';
export type { Page, PageTheme, PageProduct } from '../phases/assemble/schema.js';
export type { PhaseName } from '../kit/phase.js';
export type { RunManifest, UserRecord } from '../pipelines/manifest.js';
export type { RunSummary } from '../pipelines/summary.js';
export type { UserSelection } from '../pipelines/select-users.js';
export type { EvalResult } from '../evals/runner.js';
export { HubgenError } from '../base/errors.js';
export { DataError } from '../catalogue/data-error.js';
export { ConfigError } from '../config/config-error.js';
