export { runFilter, NEUTRAL_PAGE_TITLE, type FilterInput } from './run.js';
export * from './schema.js';
export { dedupThemes, dedupKeywords } from './dedup.js';
export { checkPolicy, POLICY_RULES, type Policy, type PolicyRule, type PolicyViolation } from './policy.js';
export { judgeTheme, type JudgeInput, type JudgeOutcome, type JudgeOptions } from './judge/judge.js';
export type { JudgeThemeInput, JudgeKeyword } from './judge/types.js';
