import { describe, expect, it } from 'vitest';
import { countChatTokens, countTokens } from './tokens.js';

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
