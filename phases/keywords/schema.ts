import type { FromSchema } from 'json-schema-to-ts';

/** What a student or teacher model returns for one theme (strict structured-output subset). */
export const keywordSelectionSchema = {
  $id: 'hubgen.keyword-selection.v1',
  type: 'object',
  additionalProperties: false,
  required: ['keywords', 'confidence'],
  properties: {
    keywords: {
      type: 'array',
      minItems: 1,
      maxItems: 20,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['text', 'categories', 'departments'],
        properties: {
          /** A product-search query string, preferably one of the candidates. */
          text: { type: 'string', minLength: 2, maxLength: 60 },
          /** Optional category-name filters for retrieval (empty: no filter). */
          categories: { type: 'array', maxItems: 4, items: { type: 'string' } },
          departments: { type: 'array', maxItems: 2, items: { type: 'string' } },
        },
      },
    },
    confidence: { type: 'number', minimum: 0, maximum: 1 },
  },
} as const;

export type KeywordSelection = FromSchema<typeof keywordSelectionSchema>;

/** Phase 2 artefact: the keywords chosen for every theme, with where each came from. */
export const keywordsSchema = {
  $id: 'hubgen.keywords.v1',
  type: 'object',
  additionalProperties: false,
  required: ['themes'],
  properties: {
    themes: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['themeId', 'keywords', 'candidateCount', 'role', 'model', 'confidence'],
        properties: {
          themeId: { type: 'string' },
          candidateCount: { type: 'integer', minimum: 0 },
          role: { type: 'string' },
          model: { type: 'string' },
          confidence: { type: 'number', minimum: 0, maximum: 1 },
          keywords: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['text', 'categoryIds', 'departmentIds', 'inCorpus', 'score'],
              properties: {
                text: { type: 'string', minLength: 1 },
                categoryIds: { type: 'array', items: { type: 'string' } },
                departmentIds: { type: 'array', items: { type: 'string' } },
                /** False for a keyword the model wrote itself; such a keyword is kept only if it retrieves products. */
                inCorpus: { type: 'boolean' },
                /** For out-of-corpus keywords: how many products it retrieved when checked. */
                retrievedProducts: { type: 'integer', minimum: 0 },
                score: { type: 'number' },
              },
            },
          },
        },
      },
    },
    /** Out-of-corpus keywords the model wrote that retrieved nothing, and were therefore dropped. */
    droppedKeywords: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['themeId', 'text', 'reason'],
        properties: { themeId: { type: 'string' }, text: { type: 'string' }, reason: { type: 'string' } },
      },
    },
  },
} as const;

export type Keywords = FromSchema<typeof keywordsSchema>;
export type ThemeKeywords = Keywords['themes'][number];
export type Keyword = ThemeKeywords['keywords'][number];
