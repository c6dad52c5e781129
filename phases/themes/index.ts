export { run } from './run.js';
export type { ThemesInput } from './run.js';
export { themesSchema, type Themes, type Theme } from './schema.js';
