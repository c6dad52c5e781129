export { runThemes, type ThemesInput } from './run.js';
export { themesSchema, type Themes, type Theme } from './schema.js';
