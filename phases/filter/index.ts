export { run, PHASE_VERSION, NEUTRAL_PAGE_TITLE, type FilterInput } from './run.js';
export * from './schema.js';
export { dedupThemes, dedupKeywords } from './dedup.js';
export { checkPolicy, POLICY_RULES, type Policy, type PolicyRule, type PolicyViolation } from './policy.js';
export type { RelevanceScorer, RelevancePair } from './relevance/scorer.js';
export { createRelevanceScorer, scoreThemeProducts } from './relevance/create-scorer.js';
export { trainRelevance, runTrainRelevance, type TrainRelevanceReport } from './relevance/train.js';
export { judgeTheme, type JudgeInput, type JudgeOutcome, type JudgeOptions } from './judge/judge.js';
export type { JudgeThemeInput, JudgeKeyword } from './judge/types.js';
