import { describe, expect, it } from 'vitest';
import { commentSection, fillPlaceholders, headingSection } from './prompt-template.js';

describe('headingSection', () => {
  const md = '# Title\n\n## system\nBe brief.\n\n## user\nHello {{name}}.\n### not a section\nstill user\n';
  it('reads a section up to the next "## " heading, trimmed', () => {
    expect(headingSection(md, 'system', 'p.md')).toBe('Be brief.');
    expect(headingSection(md, 'user', 'p.md')).toBe('Hello {{name}}.\n### not a section\nstill user');
  });
  it('names the file and the section it lacks', () => {
    expect(() => headingSection(md, 'judge', 'phases/x/prompt.md')).toThrow('phases/x/prompt.md has no "## judge" section');
  });
});

describe('commentSection', () => {
  const md = 'intro\n<!-- system -->\nBe brief.\n<!-- user -->\nHello.\n';
  it('reads a section up to the next marker, trimmed', () => {
    expect(commentSection(md, 'system', 'p.md')).toBe('Be brief.');
    expect(commentSection(md, 'user', 'p.md')).toBe('Hello.');
  });
  it('names the file and the section it lacks', () => {
    expect(() => commentSection(md, 'judge', 'p.md')).toThrow('p.md has no "<!-- judge -->" section');
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
