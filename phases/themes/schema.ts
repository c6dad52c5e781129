import type { FromSchema } from 'json-schema-to-ts';

/**
 * What a theme is for on the page (plan.ts): "staples" themes hold products the user has bought,
 * likeliest to be reordered first; "discovery" themes hold products new to them.
 */
export const THEME_KINDS = ['staples', 'discovery'] as const;
export type ThemeKind = (typeof THEME_KINDS)[number];

/**
 * Phase 1 output, and the schema LLM tiers decode against. Written in the strict structured-output
 * subset (every property required, additionalProperties false) so providers can enforce it.
 * v2: each theme has a kind.
 */
export const themesSchema = {
  $id: 'hubgen.themes.v2',
  type: 'object',
  additionalProperties: false,
  required: ['pageTitle', 'themes'],
  properties: {
    pageTitle: { type: 'string', minLength: 3, maxLength: 90 },
    themes: {
      type: 'array',
      minItems: 1,
      maxItems: 12,
      description: 'Ordered: the first theme is the most important for this user.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'kind', 'title', 'description', 'concepts', 'categories', 'departments', 'confidence'],
        properties: {
          id: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,63}$' },
          /** "staples": products the shopper buys again; "discovery": products new to them. */
          kind: { enum: THEME_KINDS },
          title: { type: 'string', minLength: 3, maxLength: 70 },
          description: { type: 'string', minLength: 10, maxLength: 280 },
          /** Freeform product concepts the theme implies ("fresh basil", "whole wheat pasta"). */
          concepts: { type: 'array', minItems: 1, maxItems: 12, items: { type: 'string', minLength: 2, maxLength: 60 } },
          /** Catalogue category names the theme targets. */
          categories: { type: 'array', maxItems: 8, items: { type: 'string', minLength: 2, maxLength: 60 } },
          departments: { type: 'array', maxItems: 4, items: { type: 'string', minLength: 2, maxLength: 40 } },
          /** Self-assessed confidence that the theme fits this user, 0..1. */
          confidence: { type: 'number', minimum: 0, maximum: 1 },
        },
      },
    },
  },
} as const;

export type Themes = FromSchema<typeof themesSchema>;
export type Theme = Themes['themes'][number];
