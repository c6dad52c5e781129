import { describe, expect, it } from 'vitest';
import { countChatTokens, countTokens, tokenPieces } from './tokens.js';

describe('countTokens', () => {
  it('counts o200k_base tokens offline', () => {
    expect(countTokens('')).toBe(0);
    expect(countTokens('hello')).toBe(1);
    // More text, more tokens; and a long text is far fewer tokens than characters.
    const long = 'Weeknight pasta night with fresh basil and whole wheat spaghetti. '.repeat(20);
    expect(countTokens(long)).toBeGreaterThan(countTokens('Weeknight pasta night'));
    expect(countTokens(long)).toBeLessThan(long.length / 2);
  });
});

describe('countChatTokens', () => {
  it('adds per-message framing and reply priming to the content tokens', () => {
    const one = countChatTokens([{ role: 'user', content: 'hello' }]);
    expect(one).toBe(3 + 3 + countTokens('user') + countTokens('hello'));
    const two = countChatTokens([
      { role: 'system', content: 'be brief' },
      { role: 'user', content: 'hello' },
    ]);
    expect(two - one).toBe(3 + countTokens('system') + countTokens('be brief'));
  });
});

describe('tokenPieces', () => {
  it('splits a text into its tokens, which concatenate back to it', () => {
    const text = '{"title": "Pasta night", "confidence": 0.82}';
    const pieces = tokenPieces(text);
    expect(pieces.join('')).toBe(text);
    expect(pieces).toHaveLength(countTokens(text));
    expect(pieces).toContain('{"');
  });
  it('keeps a character whose bytes span tokens whole', () => {
    const text = 'crème brûlée 🍮🍮 and 寿司';
    const pieces = tokenPieces(text);
    expect(pieces.join('')).toBe(text);
    expect(pieces.every((p) => !p.includes('\uFFFD'))).toBe(true);
    // Each 🍮 is several byte-level tokens under o200k; merged, there are fewer pieces than tokens.
    expect(pieces.length).toBeLessThan(countTokens(text));
    expect(tokenPieces('')).toEqual([]);
  });
});
