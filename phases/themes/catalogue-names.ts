/** Words kept lower-case inside a title. */
const SMALL_WORDS = new Set(['and', 'or', 'of', 'in', 'on', 'the', 'for', 'with', 'a', 'to']);

/** Catalogue names are lower-case ("dairy eggs"); titles want "Dairy Eggs". */
export function titleCase(text: string): string {
  return text
    .split(' ')
    .filter(Boolean)
    .map((w, i) => (i > 0 && SMALL_WORDS.has(w) ? w : w.charAt(0).toUpperCase() + w.slice(1)))
    .join(' ');
}

/** "a", "a and b", "a, b and c". */
export function joinNames(names: readonly string[]): string {
  if (names.length <= 1) return names[0] ?? '';
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}


/** Makes ids unique by suffixing -2, -3… in order of appearance. */
export function uniqueIds(ids: readonly string[]): string[] {
  const seen = new Set<string>();
  return ids.map((id) => {
    let candidate = id;
    for (let n = 2; seen.has(candidate); n++) candidate = `${id.slice(0, 60)}-${n}`;
    seen.add(candidate);
    return candidate;
  });
}

// Placeholder names and the category→department links live with the other catalogue-name helpers;
// re-exported here because the themes phase (local-themes.ts, tiers.ts) imports them from this file.
export { PLACEHOLDER_NAMES } from '../../catalogue/names.js';
export { categoryLinks as catalogueIndex, type CategoryLinks as CatalogueIndex } from '../../catalogue/names.js';
