import { describe, expect, it } from 'vitest';
import { normaliseText, tokens } from './text.js';

describe('normaliseText', () => {
  it('lower-cases, drops apostrophes and accents, and collapses punctuation', () => {
    expect(normaliseText("Ben & Jerry's Half-Baked®  Ice Cream")).toBe('ben jerrys half baked ice cream');
    expect(normaliseText('Jalapeño Crème Fraîche')).toBe('jalapeno creme fraiche');
  });
  it('keeps a percent sign only after a digit', () => {
    expect(normaliseText('2% Reduced Fat Milk')).toBe('2% reduced fat milk');
    expect(normaliseText('Save % now')).toBe('save now');
  });
  it('tokenises, with no empty tokens', () => {
    expect(tokens('  Greek  Yogurt, Plain ')).toEqual(['greek', 'yogurt', 'plain']);
    expect(tokens(' - ')).toEqual([]);
  });
});
