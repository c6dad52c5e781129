export { runAssemble, type AssembleInput } from './run.js';
export { pageSchema, type Page, type PageTheme, type PageProduct } from './schema.js';
