import { describe, expect, it } from 'vitest';
import { commentSection, fillPlaceholders, headingSection } from './prompt-template.js';

describe.each([
  {
    read: headingSection,
    marker: '## judge',
    text: '# Title\n\n## system\nBe brief.\n\n## user\nHello {{name}}.\n### not a section\nstill user\n',
    user: 'Hello {{name}}.\n### not a section\nstill user',
  },
  { read: commentSection, marker: '<!-- judge -->', text: 'intro\n<!-- system -->\nBe brief.\n<!-- user -->\nHello.\n', user: 'Hello.' },
])('$read.name', ({ read, marker, text, user }) => {
  it('reads a section up to the next section, trimmed', () => {
    expect(read(text, 'system', 'p.md')).toBe('Be brief.');
    expect(read(text, 'user', 'p.md')).toBe(user);
  });
  it('names the file and the section it lacks', () => {
    expect(() => read(text, 'judge', 'phases/x/prompt.md')).toThrow(`phases/x/prompt.md has no "${marker}" section`);
  });
});

describe('fillPlaceholders', () => {
  it('fills in one pass: a placeholder inside a value is left as written', () => {
    expect(fillPlaceholders('{{a}} and {{b}}', { a: '{{b}}', b: 'x' }, () => 'unused')).toBe('{{b}} and x');
  });
  it('throws the caller’s message for a placeholder without a value', () => {
    expect(() => fillPlaceholders('{{a}} {{zz}}', { a: '1' }, (name) => `p.md uses {{${name}}}`)).toThrow('p.md uses {{zz}}');
  });
});
