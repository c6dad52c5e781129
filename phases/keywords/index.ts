export { runKeywords, type KeywordsInput, type KeywordStepDetail } from './run.js';
export { keywordsSchema, keywordSelectionSchema, type Keywords, type ThemeKeywords, type Keyword, type KeywordSelection } from './schema.js';
export { runDistill, type DistillReport, type RunDistillOptions } from './distill.js';
