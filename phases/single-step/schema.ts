import type { FromSchema } from 'json-schema-to-ts';
import { keywordSelectionSchema } from '../keywords/schema.js';
import { themesSchema } from '../themes/schema.js';

const phase1Theme = themesSchema.properties.themes.items.properties;

/**
 * What the single call returns (strict structured-output subset: every property required). Title,
 * description and keyword items are Phase 1's and Phase 2's own definitions, so both pipelines ask
 * for the same things under the same limits.
 */
export const singleStepSchema = {
  $id: 'hubgen.single-step.v1',
  type: 'object',
  additionalProperties: false,
  required: ['pageTitle', 'themes', 'confidence'],
  properties: {
    pageTitle: themesSchema.properties.pageTitle,
    themes: {
      type: 'array',
      minItems: 1,
      maxItems: 12,
      description: 'Ordered: the first theme is the most important for this shopper.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'title', 'description', 'keywords'],
        properties: {
          // Re-slugged on conversion, so a sloppy id costs nothing.
          id: { type: 'string', minLength: 1, maxLength: 64 },
          title: phase1Theme.title,
          description: phase1Theme.description,
          keywords: keywordSelectionSchema.properties.keywords,
        },
      },
    },
    confidence: { type: 'number', minimum: 0, maximum: 1 },
  },
} as const;

export type SingleStepOutput = FromSchema<typeof singleStepSchema>;
