import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../base/clock.js';
import type { GenerateStructuredOptions, ModelRegistry, StructuredResult } from '../llm/registry.js';
import { MemoryArtefactStore } from '../testing/memory-artefact-store.js';
import { answerHash, withAnswerCache } from './answer-cache.js';
import { allOrFirstError } from './settle.js';

const logger = pino({ level: 'silent' });
const usage = { inputTokens: 100, cachedInputTokens: 0, outputTokens: 10, costUsd: 0.001, calls: 1 };
const schema = { type: 'object', properties: { n: { type: 'integer' } } } as const;
const request = (text: string): GenerateStructuredOptions => ({ role: 'cheap', schema, schemaName: 's', messages: [{ role: 'user', content: text }] });

/** A registry that answers with a running count, so a second real call is visible in the answer. */
function countingModels(fail?: (text: string) => boolean): ModelRegistry & { calls: number } {
  const models: ModelRegistry & { calls: number } = {
    calls: 0,
    unavailableReason: () => undefined,
    kindOf: () => 'llm' as const,
    modelId: () => 'gpt-4o-mini',
    cacheKey: () => 'gpt-4o-mini@http://scripted',
    generateStructured: (async (r: GenerateStructuredOptions) => {
      models.calls++;
      const text = String(r.messages[0].content);
      if (fail?.(text)) throw new Error(`scripted failure for ${text}`);
      return { object: { n: models.calls }, model: 'gpt-4o-mini', usage, finishReason: 'stop', attempts: [], repaired: false, latencyMs: 5, warnings: [] } satisfies StructuredResult<unknown>;
    }) as ModelRegistry['generateStructured'],
  };
  return models;
}

describe('withAnswerCache', () => {
  it('answers a request it has seen from the store, with the usage it was paid with; another request calls the model', async () => {
    const inner = countingModels();
    const deps = { artefacts: new MemoryArtefactStore(), logger, clock: systemClock };
    const first = await withAnswerCache(inner, deps).generateStructured(request('a'));
    // A second registry over the same store: another worker, or the retried job of a dead one.
    const again = await withAnswerCache(countingModels(), deps).generateStructured(request('a'));
    expect(again.object).toEqual(first.object);
    expect(again.usage).toEqual(usage);
    await withAnswerCache(inner, deps).generateStructured(request('b'));
    expect(inner.calls).toBe(2);
  });

  it('shares one call between identical requests in flight, and stores no failure', async () => {
    const inner = countingModels((t) => t === 'bad');
    const cached = withAnswerCache(inner, { artefacts: new MemoryArtefactStore(), logger, clock: systemClock });
    const [x, y] = await Promise.all([cached.generateStructured(request('a')), cached.generateStructured(request('a'))]);
    expect(x.object).toEqual(y.object);
    expect(inner.calls).toBe(1);
    await expect(cached.generateStructured(request('bad'))).rejects.toThrow(/scripted failure/);
    await expect(cached.generateStructured(request('bad'))).rejects.toThrow(/scripted failure/);
    expect(inner.calls).toBe(3);
  });

  it('keys on the model that would answer, the schema and the messages', () => {
    const m = countingModels();
    const other = { ...m, cacheKey: () => 'gpt-4o' };
    expect(answerHash(m, request('a'))).toBe(answerHash(m, request('a')));
    expect(answerHash(m, request('a'))).not.toBe(answerHash(m, request('b')));
    expect(answerHash(m, request('a'))).not.toBe(answerHash(other, request('a')));
    expect(answerHash(m, request('a'))).not.toBe(answerHash(m, { ...request('a'), schema: { type: 'object' } }));
  });

  it('keeps the samples of one request apart, so agreement over n samples compares n answers', async () => {
    const inner = countingModels();
    const cached = withAnswerCache(inner, { artefacts: new MemoryArtefactStore(), logger, clock: systemClock });
    const answers = await Promise.all([0, 1, 2].map((sample) => cached.generateStructured(sample ? { ...request('a'), sample } : request('a'))));
    expect(inner.calls).toBe(3);
    expect(new Set(answers.map((a) => (a.object as { n: number }).n)).size).toBe(3);
    // The first sample is the single request: a run with one sample finds what n samples stored.
    expect(answerHash(inner, { ...request('a'), sample: 0 })).toBe(answerHash(inner, request('a')));
  });
});

describe('allOrFirstError', () => {
  it('waits for every task before rethrowing the first failure', async () => {
    let slowDone = false;
    const slow = new Promise<number>((r) => setTimeout(() => ((slowDone = true), r(2)), 30));
    await expect(allOrFirstError([Promise.reject(new Error('first')), slow])).rejects.toThrow('first');
    expect(slowDone).toBe(true);
    await expect(allOrFirstError([Promise.resolve(1), slow])).resolves.toEqual([1, 2]);
  });
});
