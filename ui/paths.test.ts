import { describe, expect, it } from 'vitest';
import { artefactHash, insideDir, plainName, UnsafePathError } from './paths.js';

describe('plainName', () => {
  it('accepts generated names: run ids, report folders, plot files', () => {
    for (const name of ['20261203-165133-17d5ae', '2026-11-22T10-07-14-109Z', 'eval-200', 'cost-quality.svg']) expect(plainName(name, 'x')).toBe(name);
  });

  it('refuses traversal, separators, hidden names and empties', () => {
    for (const name of ['..', '../runs', 'a/../b', 'a/b', 'a\\b', '.hidden', '', '%2e%2e', 'a..b', 'run id', 'x\0y']) {
      expect(() => plainName(name, 'run id')).toThrow(UnsafePathError);
    }
  });

  it('names what was refused, so a 400 says which part of the URL was wrong', () => {
    expect(() => plainName('../etc', 'run id')).toThrow('run id "../etc" is not a plain name');
  });
});

describe('artefactHash', () => {
  it('accepts a sha256 and nothing shorter, longer or upper-case', () => {
    const h = 'a'.repeat(64);
    expect(artefactHash(h)).toBe(h);
    for (const bad of ['a'.repeat(63), 'a'.repeat(65), 'A'.repeat(64), `${'a'.repeat(62)}/.`]) expect(() => artefactHash(bad)).toThrow(UnsafePathError);
  });
});

describe('insideDir', () => {
  it('joins inside the root', () => {
    expect(insideDir('/store/runs', 'r1', 'manifest.json')).toBe('/store/runs/r1/manifest.json');
  });

  it('refuses anything that resolves to the root itself or outside it', () => {
    expect(() => insideDir('/store/runs', '..', 'artefacts')).toThrow(UnsafePathError);
    expect(() => insideDir('/store/runs', '/etc/passwd')).toThrow(UnsafePathError);
    expect(() => insideDir('/store/runs', '.')).toThrow(UnsafePathError);
    // A sibling whose name starts with the root's is still outside.
    expect(() => insideDir('/store/runs', '../runs-evil/x')).toThrow(UnsafePathError);
  });
});
