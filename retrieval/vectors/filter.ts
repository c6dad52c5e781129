import type { Filter, FieldCondition, Payload } from './store.js';

function conditionHolds(payload: Payload, c: FieldCondition): boolean {
  const v = payload[c.key];
  const values = Array.isArray(v) ? (v as (string | number)[]) : v === undefined ? [] : [v as string | number | boolean];
  if ('value' in c.match) return values.includes(c.match.value as never);
  const any = c.match.any;
  return values.some((x) => any.includes(x as never));
}

/** Whether a payload passes a Qdrant-style must / must_not filter (arrays match when any element does). */
export function matchesFilter(payload: Payload, filter: Filter | undefined): boolean {
  if (!filter) return true;
  return (filter.must ?? []).every((c) => conditionHolds(payload, c)) && !(filter.mustNot ?? []).some((c) => conditionHolds(payload, c));
}

