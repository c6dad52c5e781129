import { sampleUsers, segmentCounts } from '../catalogue/history.js';
import type { Dataset } from '../catalogue/types.js';

/** Which users a run or eval is for. */
export type UserSelection =
  | { readonly kind: 'ids'; readonly ids: readonly string[] }
  | { readonly kind: 'sample'; readonly n: number; readonly segments?: readonly string[]; readonly seed?: number }
  | { readonly kind: 'all' };

/** What a selection resolves to: users to run, in order, and requested ids the dataset does not have. */
export interface SelectedUsers {
  readonly users: readonly string[];
  /** Kept in `users` too: each gets a per-user "unknown user" failure, and the run goes on. */
  readonly unknown: readonly string[];
}

const SAMPLE = /^sample:(\d+)(?::([^:\s]+))?$/;

/**
 * "all" | "sample:N" | "sample:N:<segment>[,<segment>…]" | "id,id,…" → a selection. A file of ids
 * is read by the caller (the CLI reads `@path`) and passed in as ids. Throws on a spec that cannot
 * name anyone; ids are not checked here (see selectUsers).
 */
export function parseUserSelection(spec: string): UserSelection {
  const s = spec.trim();
  if (s === 'all') return { kind: 'all' };
  const m = SAMPLE.exec(s);
  if (m) return { kind: 'sample', n: Number(m[1]), ...(m[2] ? { segments: m[2].split(',').filter(Boolean) } : {}) };
  if (s.startsWith('sample')) throw new Error(`--users: "${spec}" is not a sample (expected sample:N or sample:N:<segment>, e.g. sample:20:train)`);
  return { kind: 'ids', ids: splitIds(s) };
}

/** Ids separated by commas, white space or new lines; `#` starts a comment (for id files). */
export function splitIds(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.replace(/#.*/, ''))
    .flatMap((line) => line.split(/[,\s]+/))
    .map((id) => id.trim())
    .filter(Boolean);
}

/**
 * Resolves a selection against the dataset. Repeated ids run once (two concurrent runs of one user
 * would only duplicate work). A selection that names nobody is an error rather than an empty run;
 * unknown ids are returned so the run can record each as failed and go on.
 */
export function selectUsers(selection: UserSelection, dataset: Dataset): SelectedUsers {
  switch (selection.kind) {
    case 'all': {
      const users = [...dataset.users.keys()];
      if (!users.length) throw new Error('--users all: the dataset has no users');
      return { users, unknown: [] };
    }
    case 'sample': {
      const counts = segmentCounts(dataset);
      const bad = selection.segments?.find((s) => !counts.has(s));
      if (bad !== undefined) {
        const have = [...counts].map(([s, n]) => `${s} (${n})`).join(', ');
        throw new Error(`--users: segment "${bad}" is not in the dataset (${have ? `segments: ${have}` : 'its users have no segments'})`);
      }
      const users = sampleUsers(dataset, selection.n, { seed: selection.seed, segments: selection.segments });
      if (!users.length) {
        throw new Error(`--users: sample:${selection.n}${selection.segments ? `:${selection.segments.join(',')}` : ''} selects no users (a sample needs users with order history and a later order to score; the dataset has ${dataset.users.size} users)`);
      }
      return { users, unknown: [] };
    }
    case 'ids': {
      const users = [...new Set(selection.ids)];
      if (!users.length) throw new Error('--users names no users (expected e.g. 1,2,3, sample:20, all, or @ids.txt)');
      const unknown = users.filter((id) => !dataset.users.has(id));
      // Some unknown ids in a long list are churned customers; all of them is a wrong list or dataset.
      if (unknown.length === users.length) {
        throw new Error(`--users: none of the ${users.length} requested users is in the dataset (${unknown.slice(0, 3).map((id) => `"${id}"`).join(', ')}${unknown.length > 3 ? ', …' : ''}; it has ${dataset.users.size} users, e.g. ${[...dataset.users.keys()].slice(0, 3).join(', ')})`);
      }
      return { users, unknown };
    }
  }
}
