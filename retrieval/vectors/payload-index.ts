import type { FieldCondition, Filter, Payload } from './store.js';
import { matchesFilter } from './filter.js';


type Scalar = string | number | boolean;

/**
 * Posting lists (field → value → rows) over a collection's payloads, so a selective filter finds
 * its rows without touching every payload. Lists may hold stale rows (replaced or deleted);
 * every candidate is re-checked against its current payload, so staleness costs time, never
 * correctness.
 */
export class PayloadIndex {
  private readonly postings = new Map<string, Map<Scalar, number[]>>();

  add(row: number, payload: Payload): void {
    for (const [key, value] of Object.entries(payload)) {
      let byValue = this.postings.get(key);
      if (!byValue) this.postings.set(key, (byValue = new Map()));
      for (const v of Array.isArray(value) ? value : [value]) {
        const list = byValue.get(v);
        if (list) list.push(row);
        else byValue.set(v, [row]);
      }
    }
  }

  private rowsFor(c: FieldCondition): number[][] {
    const byValue = this.postings.get(c.key);
    if (!byValue) return [];
    const values: Scalar[] = 'value' in c.match ? [c.match.value] : [...c.match.any];
    return values.map((v) => byValue.get(v)).filter((l): l is number[] => l !== undefined);
  }

  /**
   * The live rows whose current payload matches the filter. `payloadOf` returns undefined for
   * deleted rows. With `must` conditions, only the shortest posting list is scanned; with only
   * `mustNot`, the excluded rows are looked up and everything else matches.
   */
  match(filter: Filter, rowCount: number, liveCount: number, payloadOf: (row: number) => Payload | undefined): FilterMatch {
    const must = filter.must ?? [];
    const member = new Uint8Array(rowCount);
    if (must.length > 0) {
      let best: number[][] = [];
      let bestSize = Infinity;
      for (const c of must) {
        const lists = this.rowsFor(c);
        const size = lists.reduce((s, l) => s + l.length, 0);
        if (size < bestSize) [best, bestSize] = [lists, size];
      }
      const rows: number[] = [];
      for (const l of best) {
        for (const r of l) {
          if (member[r]) continue;
          const p = payloadOf(r);
          if (p && matchesFilter(p, filter)) {
            member[r] = 1;
            rows.push(r);
          }
        }
      }
      const sorted = Int32Array.from(rows).sort();
      return { count: sorted.length, rows: sorted, has: (r) => member[r] === 1 };
    }
    // Only mustNot: mark the rows that really hold an excluded value now.
    let excluded = 0;
    for (const c of filter.mustNot ?? []) {
      for (const l of this.rowsFor(c)) {
        for (const r of l) {
          if (member[r]) continue;
          const p = payloadOf(r);
          if (p && !matchesFilter(p, { mustNot: [c] })) {
            member[r] = 1;
            excluded++;
          }
        }
      }
    }
    return { count: liveCount - excluded, rows: undefined, has: (r) => member[r] === 0 && payloadOf(r) !== undefined };
  }
}

/** Rows a filter lets through: listed when known to be few, otherwise only testable. */
export interface FilterMatch {
  readonly count: number;
  /** Ascending rows, when the filter had `must` conditions; undefined means "test every row with has()". */
  readonly rows: Int32Array | undefined;
  has(row: number): boolean;
}
