/**
 * Property tests of the prefix checker over the real phase schemas: every prefix of a valid
 * document is accepted (however the stream is chunked), and a document mutated to be invalid is
 * rejected exactly at the first character no valid document could have.
 */
import { describe, expect, it } from 'vitest';
import { judgeVerdictSchema, filteredSchema } from '../../phases/filter/schema.js';
import { keywordSelectionSchema, keywordsSchema } from '../../phases/keywords/schema.js';
import { themesSchema } from '../../phases/themes/schema.js';
import { singleStepSchema } from '../../phases/single-step/schema.js';
import { seededRandom } from '../../base/random.js';
import { simulateFromSchema } from '../simulator/simulate-schema.js';
import { compileSchema } from '../../base/ajv.js';
import { createPrefixChecker } from './prefix-checker.js';
import { applyMutation, mutationsAt, sites, type MutationKind } from './test-support.js';

const SCHEMAS: Record<string, object> = {
  themes: themesSchema,
  keywordSelection: keywordSelectionSchema,
  keywords: keywordsSchema,
  judgeVerdict: judgeVerdictSchema,
  filtered: filteredSchema,
  singleStep: singleStepSchema,
};
const PROMPT = 'The shopper buys spaghetti, basil, parmesan, sourdough, oat milk, black beans, tortillas and salsa every week for quick family dinners.';
const DOCS_PER_SCHEMA = 20;
const MUTATIONS_PER_DOC = 12;

/** The same document, compact and pretty-printed: whitespace between tokens must not matter. */
const serialisations = (doc: unknown, seed: number) => [JSON.stringify(doc), JSON.stringify(doc, null, 1 + (seed % 3))];

/** Splits a text into random chunks of 1–12 characters, like SSE deltas. */
function chunks(text: string, random: () => number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; ) {
    const n = 1 + Math.floor(random() * 12);
    out.push(text.slice(i, i + n));
    i += n;
  }
  return out;
}

describe.each(Object.entries(SCHEMAS))('prefix checker over the %s schema', (name, schema) => {
  const validate = compileSchema(schema);
  const docs = Array.from({ length: DOCS_PER_SCHEMA }, (_, seed) => simulateFromSchema(schema, PROMPT, `${name}-${seed}`));

  it('starts from documents ajv accepts', () => {
    for (const doc of docs) expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
  });

  it('accepts every prefix of every valid document, one character at a time and in random chunks', () => {
    docs.forEach((doc, seed) => {
      for (const text of serialisations(doc, seed)) {
        for (const lenient of [false, true]) {
          const byChar = createPrefixChecker(schema, { lenient });
          for (let i = 0; i < text.length; i++) {
            const v = byChar.push(text[i]);
            if (!v.ok) throw new Error(`${name} #${seed}: rejected a valid document at ${i} (${v.path}: ${v.reason}) in ${text.slice(Math.max(0, i - 40), i + 1)}`);
          }
          expect(byChar.complete).toBe(true);
          expect(byChar.end()).toEqual({ ok: true });
          const chunked = createPrefixChecker(schema, { lenient });
          for (const piece of chunks(text, seededRandom(seed))) expect(chunked.push(piece)).toEqual({ ok: true });
          expect(chunked.complete).toBe(true);
        }
      }
    });
  });

  it('rejects a mutated document exactly at its first impossible character', () => {
    const seen = new Set<MutationKind>();
    docs.forEach((doc, seed) => {
      const random = seededRandom(1000 + seed);
      const all = sites(doc, schema as Record<string, unknown>).flatMap((site) => mutationsAt(site, (itemSchema) => simulateFromSchema(itemSchema, PROMPT, seed)));
      // A random sample, plus the first of every kind so rare kinds are always tried.
      const firstOfKind = [...new Map(all.map((m) => [m.kind, m])).values()];
      const sample = [...firstOfKind, ...Array.from({ length: MUTATIONS_PER_DOC }, () => all[Math.floor(random() * all.length)])];
      for (const mutation of sample) {
        seen.add(mutation.kind);
        const { text, offset } = applyMutation(doc, mutation, seed % 2 ? 2 : undefined);
        const where = `${name} #${seed} ${mutation.kind} at /${mutation.path.join('/')}`;
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          throw new Error(`${where}: the mutation should keep the JSON well-formed`);
        }
        expect(validate(parsed), `${where}: the mutation should make the document invalid`).toBe(false);
        const strict = createPrefixChecker(schema).push(text);
        expect(strict.ok ? -1 : strict.offset, `${where}: ${strict.ok ? 'accepted' : strict.reason} — ${text.slice(Math.max(0, offset - 30), offset)}⟦${text[offset]}⟧`).toBe(offset);
        const lenient = createPrefixChecker(schema, { lenient: true }).push(text);
        if (mutation.repairable) expect(lenient.ok, `${where}: lenient mode must accept what repair fixes`).toBe(true);
        else expect(lenient.ok ? -1 : lenient.offset, `${where} (lenient)`).toBe(offset);
      }
    });
    // Each schema exercises the kinds its constraints allow; together they cover all ten (checked below).
    kindsSeen.set(name, seen);
  });
});

const kindsSeen = new Map<string, Set<MutationKind>>();

describe('mutation coverage', () => {
  it('tried every kind of impossible character across the phase schemas', () => {
    const all = new Set([...kindsSeen.values()].flatMap((s) => [...s]));
    expect([...all].sort()).toEqual(['enum-miss', 'missing-required', 'out-of-range', 'pattern-miss', 'too-few-items', 'too-long', 'too-many-items', 'too-short', 'unknown-key', 'wrong-type']);
  });
});
