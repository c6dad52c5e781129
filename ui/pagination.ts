import type { Paged } from './model.js';

/** ?page=N from a URL: 1 for anything missing or malformed, so a bad link still shows something. */
export function pageParam(value: string | undefined): number {
  const n = Number(value);
  return Number.isInteger(n) && n >= 1 ? n : 1;
}

/** One page of `items`; a page past the end is clamped to the last, so a stale link is never empty for no reason. */
export function paginate<T>(items: readonly T[], page: number, pageSize: number): Paged<T> {
  const pages = Math.max(1, Math.ceil(items.length / pageSize));
  const at = Math.min(Math.max(1, page), pages);
  return { items: items.slice((at - 1) * pageSize, at * pageSize), page: at, pageSize, total: items.length, pages };
}

/** The same page over already-sliced items, when only that page was read (e.g. manifests of one page of runs). */
export function pagedOf<T>(items: readonly T[], page: number, pageSize: number, total: number): Paged<T> {
  return { items, page, pageSize, total, pages: Math.max(1, Math.ceil(total / pageSize)) };
}
