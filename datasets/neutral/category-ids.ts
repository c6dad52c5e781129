/**
 * Category ids are derived from the path, so the same file always gives the same ids and a
 * re-import never renumbers anything: each level's name as a slug, joined with "/" from the top.
 * "Dairy & Eggs > Yogurt" → "dairy-eggs/yogurt". The same name under two parents is two categories
 * ("frozen/desserts", "bakery/desserts"), and a slug never contains "/", so ids cannot collide
 * across depths.
 */

/** Lower case letters and digits of any script, runs of anything else folded to one "-". "" when a name has neither. */
export function slug(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '');
}

/** Splits a written path "Dairy & Eggs > Yogurt" into trimmed names; an empty level stays "" for the caller to reject. */
export function splitCategoryPath(written: string): string[] {
  return written.split('>').map((name) => name.trim());
}

/** The id of every level of a path, top first: ids[0] is the department, ids.at(-1) the category. */
export function categoryIds(path: readonly string[]): string[] {
  const ids: string[] = [];
  for (const name of path) ids.push(ids.length ? `${ids[ids.length - 1]}/${slug(name)}` : slug(name));
  return ids;
}
