/**
 * How a theme turns into text for embedding and scoring. Three recipes, one each, because each
 * step asks a different question of a theme:
 */

/** Phase 2 prunes the keyword corpus with everything the theme says about itself. */
export const themeSearchText = (theme: { readonly title: string; readonly description: string; readonly concepts: readonly string[] }): string =>
  `${theme.title}. ${theme.description} ${theme.concepts.join(', ')}`;

/** Phase 3 dedups and scores keywords against what the theme is about: its title and concepts. */
export const themeConceptText = (theme: { readonly title: string; readonly concepts: readonly string[] }): string =>
  theme.concepts.length ? `${theme.title}: ${theme.concepts.join(', ')}` : theme.title;

/** Phase 4 ranks products, and evals measure diversity, by what a shopper reads: title and description. */
export const themeSummaryText = (theme: { readonly title: string; readonly description: string }): string => `${theme.title}. ${theme.description}`;
