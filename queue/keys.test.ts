import { describe, expect, it } from 'vitest';
import { jobIdFor } from './keys.js';

describe('jobIdFor', () => {
  it('is one id per run and user, with no ":" (BullMQ reserves it) and no collisions between parts', () => {
    expect(jobIdFor('20261203-020000-a1b2c3', '157029')).toBe('20261203-020000-a1b2c3.157029');
    expect(jobIdFor('r', 'ns:42')).not.toContain(':');
    expect(jobIdFor('a.b', 'c')).not.toBe(jobIdFor('a', 'b.c'));
    expect(jobIdFor('r', '%3A')).not.toBe(jobIdFor('r', ':'));
  });
});
