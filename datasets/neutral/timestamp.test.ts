import { describe, expect, it } from 'vitest';
import { parseTimestamp } from './timestamp.js';

const iso = (text: string): string | undefined => {
  const ms = parseTimestamp(text);
  return ms === undefined ? undefined : new Date(ms).toISOString();
};

describe('parseTimestamp', () => {
  it('reads dates and date-times, with or without seconds, fractions and zones; no zone is UTC', () => {
    expect(iso('2024-03-01')).toBe('2024-03-01T00:00:00.000Z');
    expect(iso('2024-03-01T18:30')).toBe('2024-03-01T18:30:00.000Z');
    expect(iso('2024-03-01 18:30:15.25')).toBe('2024-03-01T18:30:15.250Z');
    expect(iso('2024-03-01T18:30:00Z')).toBe('2024-03-01T18:30:00.000Z');
    expect(iso('2024-03-01T18:30:00+02:00')).toBe('2024-03-01T16:30:00.000Z');
    expect(iso('2024-03-01T18:30:00-0530')).toBe('2024-03-02T00:00:00.000Z');
    expect(iso('2024-03-01T18:30:00+01')).toBe('2024-03-01T17:30:00.000Z');
  });

  it('rejects what is not a real moment instead of rolling it over', () => {
    for (const bad of ['2024-02-30', '2023-02-29', '2024-13-01', '2024-03-01T24:00', '2024-03-01T10:60', '2024-03-01T10:00+25:00', '01/03/2024', '2024-3-1', '']) {
      expect(parseTimestamp(bad), bad).toBeUndefined();
    }
    expect(iso('2024-02-29')).toBe('2024-02-29T00:00:00.000Z');
  });
});
