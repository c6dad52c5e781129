import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeWorkDirs, sharedChaosBase } from '../work-dir.js';
import { comparePages, runBadInput, type BadInputResult } from './bad-input.js';

let result: BadInputResult;
const scenario = (input: string) => {
  const s = result.scenarios.find((x) => x.input === input);
  if (!s) throw new Error(`no scenario "${input}"`);
  return s;
};

beforeAll(async () => {
  result = await runBadInput(await sharedChaosBase());
}, 240_000);

afterAll(removeWorkDirs);

describe('bad input on the neutral import format', () => {
  it.each(['malformed JSONL row', 'malformed CSV row', 'non-UTF-8 bytes'])('%s: strict import names file and line (and the field), --lenient skips it and says so', (input) => {
    const s = scenario(input);
    expect(s.outcome).toMatch(/\/(products\.jsonl|events\.csv) line \d+.*: .+ \| --lenient: .+1 skipped/);
    expect(s.pass).toBe(true);
  });

  it('a config with wrong types: one line naming the file and every bad path', () => {
    expect(scenario('config with wrong types').outcome).toMatch(/^hubgen: Invalid config \/.+wrong-types\.config\.json: .*\/run\/concurrency must be integer/);
    expect(scenario('config with wrong types').pass).toBe(true);
  });

  it('an unknown user is recorded as failed with why; a user with no history gets a page', () => {
    expect(scenario('unknown user id').outcome).toMatch(/^unknown user "NO-SUCH-USER": not in the dataset/);
    expect(scenario('user with empty history').outcome).toMatch(/^page with \d+ themes$/);
  });

  it('an extremely long product name imports and its buyer still gets a page', () => {
    expect(scenario('extremely long product name').outcome).toMatch(/^page ok; the \d{4,}-character name is/);
  });

  it('an injection in a product name, obeyed by the model, reaches neither the page nor leaks the system prompt', () => {
    expect(scenario('prompt injection in a product name').outcome).toBe('no whisky theme; 0 system-prompt passages on the page');
  });

  it('an injection in preferences adds nothing to the page and leaks nothing; at most the slot the obeyed theme took is lost', () => {
    const s = scenario('prompt injection in preferences');
    expect(s.outcome).toMatch(/^no whisky theme; .*; 0 system-prompt passages on the page$/);
    expect(s.pass).toBe(true);
  });
});

describe('comparePages', () => {
  it('tells an added theme from a missing one', () => {
    expect(comparePages(['a', 'b'], ['a', 'b'])).toEqual({ same: true, added: [], missing: [] });
    expect(comparePages(['a', 'x'], ['a', 'b'])).toEqual({ same: false, added: ['x'], missing: ['b'] });
  });
});
