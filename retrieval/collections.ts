/** Collection names shared by indexing, phases and evals. */
export const COLLECTIONS = { keywords: 'hubgen_keywords', products: 'hubgen_products' } as const;
