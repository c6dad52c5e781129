import type { FromSchema } from 'json-schema-to-ts';
import { THEME_KINDS } from '../themes/schema.js';

/** Phase 4 artefact: the final page. */
export const pageSchema = {
  $id: 'hubgen.page.v1',
  type: 'object',
  additionalProperties: false,
  required: ['userId', 'pageTitle', 'themes', 'dropped'],
  properties: {
    userId: { type: 'string' },
    pageTitle: { type: 'string' },
    themes: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'title', 'description', 'keywords', 'products'],
        properties: {
          id: { type: 'string' },
          /** staples (the user's own products) or discovery (products new to them); absent for a mixed theme. */
          kind: { enum: THEME_KINDS },
          title: { type: 'string' },
          description: { type: 'string' },
          keywords: { type: 'array', items: { type: 'string' } },
          /** Retrieval notes for inspection, e.g. a keyword whose filtered search found nothing and fell back to unfiltered. */
          notes: { type: 'array', items: { type: 'string' } },
          products: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['productId', 'name', 'categoryId', 'departmentId', 'keyword', 'score'],
              properties: {
                productId: { type: 'string' },
                name: { type: 'string' },
                categoryId: { type: 'string' },
                departmentId: { type: 'string' },
                /** The keyword that retrieved it. */
                keyword: { type: 'string' },
                /** As ranked: relevance^exponent × affinity; in a staples theme, the reorder propensity alone. */
                score: { type: 'number' },
                /** Relevance to the theme, 0..1. */
                relevance: { type: 'number' },
                /** The user's probability of buying it next: reorder propensity if they own it, discovery probability if it is new to them. */
                affinity: { type: 'number' },
                /** Catalogue popularity factor (pages before version 4 of the assemble phase). */
                popularity: { type: 'number' },
              },
            },
          },
        },
      },
    },
    /** Themes Phase 4 dropped (too few products), with the reason. */
    dropped: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['themeId', 'title', 'reason'],
        properties: { themeId: { type: 'string' }, title: { type: 'string' }, reason: { type: 'string' } },
      },
    },
  },
} as const;

export type Page = FromSchema<typeof pageSchema>;
export type PageTheme = Page['themes'][number];
export type PageProduct = PageTheme['products'][number];
