import type { FromSchema } from 'json-schema-to-ts';

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
                /** relevance × affinity × popularity, as ranked. */
                score: { type: 'number' },
                relevance: { type: 'number' },
                affinity: { type: 'number' },
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
