/** A keyword as the judge sees it; relevance and placement are optional so any pipeline variant can be judged. */
export interface JudgeKeyword {
  readonly text: string;
  /** Relevance to the theme in [0,1]; computed by the judge when missing. */
  readonly relevance?: number;
  readonly categoryIds?: readonly string[];
  readonly departmentIds?: readonly string[];
}

/** One theme to judge, in the shape every variant (cascaded or single-step) can produce. */
export interface JudgeThemeInput {
  readonly title: string;
  readonly description: string;
  readonly concepts: readonly string[];
  /** Catalogue category names. */
  readonly categories: readonly string[];
  readonly departments?: readonly string[];
  readonly keywords: readonly (string | JudgeKeyword)[];
}

export const asJudgeKeyword = (k: string | JudgeKeyword): JudgeKeyword => (typeof k === 'string' ? { text: k } : k);
