import type { FromSchema } from 'json-schema-to-ts';
import { THEME_KINDS } from '../themes/schema.js';

export const JUDGE_CRITERIA = ['relevant_to_user', 'coherent_title', 'keywords_match_theme', 'fit_for_grocery_page'] as const;
export type JudgeCriterion = (typeof JUDGE_CRITERIA)[number];

const verdict = {
  type: 'object',
  additionalProperties: false,
  required: ['pass', 'reason'],
  properties: { pass: { type: 'boolean' }, reason: { type: 'string', maxLength: 200 } },
} as const;

/** What a judge returns for one theme (strict structured-output subset). */
export const judgeVerdictSchema = {
  $id: 'hubgen.judge-verdict.v1',
  type: 'object',
  additionalProperties: false,
  required: ['criteria', 'confidence'],
  properties: {
    criteria: {
      type: 'object',
      additionalProperties: false,
      required: [...JUDGE_CRITERIA],
      properties: Object.fromEntries(JUDGE_CRITERIA.map((c) => [c, verdict])) as Record<JudgeCriterion, typeof verdict>,
    },
    confidence: { type: 'number', minimum: 0, maximum: 1 },
  },
} as const;

export type JudgeVerdict = FromSchema<typeof judgeVerdictSchema>;

export const FILTER_STEPS = ['dedup', 'relevance', 'judge', 'policy'] as const;
export type FilterStep = (typeof FILTER_STEPS)[number];

/** Phase 3 artefact: what survives, and every removal with its step, reason and score. */
export const filteredSchema = {
  $id: 'hubgen.filtered.v1',
  type: 'object',
  additionalProperties: false,
  required: ['pageTitle', 'themes', 'removals', 'judgements'],
  properties: {
    pageTitle: { type: 'string' },
    /** Surviving themes in page order, each with its surviving keywords. */
    themes: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'title', 'description', 'categoryIds', 'departmentIds', 'keywords'],
        properties: {
          id: { type: 'string' },
          /** Phase 1's kind (staples or discovery); absent for a theme no plan made (single-step), which Phase 4 fills with both. */
          kind: { enum: THEME_KINDS },
          title: { type: 'string' },
          description: { type: 'string' },
          categoryIds: { type: 'array', items: { type: 'string' } },
          departmentIds: { type: 'array', items: { type: 'string' } },
          keywords: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['text', 'categoryIds', 'departmentIds', 'relevance'],
              properties: {
                text: { type: 'string' },
                categoryIds: { type: 'array', items: { type: 'string' } },
                departmentIds: { type: 'array', items: { type: 'string' } },
                relevance: { type: 'number' },
              },
            },
          },
        },
      },
    },
    removals: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['step', 'kind', 'themeId', 'item', 'reason'],
        properties: {
          step: { enum: FILTER_STEPS },
          kind: { enum: ['theme', 'keyword'] },
          themeId: { type: 'string' },
          /** The removed theme title or keyword text. */
          item: { type: 'string' },
          reason: { type: 'string' },
          score: { type: 'number' },
        },
      },
    },
    judgements: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['themeId', 'role', 'model', 'verdict'],
        properties: { themeId: { type: 'string' }, role: { type: 'string' }, model: { type: 'string' }, verdict: judgeVerdictSchema },
      },
    },
  },
} as const;

export type Filtered = FromSchema<typeof filteredSchema>;
export type FilteredTheme = Filtered['themes'][number];
export type Removal = Filtered['removals'][number];
