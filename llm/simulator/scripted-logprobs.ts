/**
 * Realistic token log-probabilities for the scripted server: one entry per o200k token of the
 * reply (their texts concatenate to it, as OpenAI's do), near-certain on JSON structure and keys,
 * lower and seeded-variable on the tokens that carry values, and low across the values of a
 * reply scripted as uncertain.
 */
import { jsonValueMask } from '../confidence/json-values.js';
import { tokenPieces } from '../tokens.js';
import { mulberry32 } from '../../base/random.js';
import { hashSeed } from './simulate-schema.js';

/** One entry of `choices[0].logprobs.content`, in OpenAI's wire format. */
export interface WireLogprob {
  readonly token: string;
  readonly logprob: number;
  readonly bytes: number[];
  readonly top_logprobs: { token: string; logprob: number; bytes: number[] }[];
}

export interface ScriptedLogprobOptions {
  /** Value tokens drawn from 0.05–0.45 instead of 0.6–0.995. */
  readonly uncertain?: boolean;
  /** Alternatives per position (the request's top_logprobs). @default 0 */
  readonly top?: number;
  /** Varies the draws between replies with the same text. @default 0 */
  readonly seed?: number;
}

const bytesOf = (s: string) => [...Buffer.from(s, 'utf8')];

export function scriptedLogprobs(content: string, options: ScriptedLogprobOptions = {}): WireLogprob[] {
  const { uncertain = false, top = 0, seed = 0 } = options;
  const random = mulberry32(hashSeed(content) ^ seed);
  const pieces = tokenPieces(content);
  // Plain text has no JSON structure: every token is content.
  const json = /^\s*[[{]/.test(content);
  const mask = json ? jsonValueMask(content) : new Uint8Array(content.length).fill(1);
  let at = 0;
  return pieces.map((token) => {
    const isValue = mask.subarray(at, at + token.length).some((m) => m === 1);
    at += token.length;
    const p = !isValue ? 0.995 + random() * 0.00499 : uncertain ? 0.05 + random() * 0.4 : 0.6 + random() * 0.395;
    // The rest of the mass goes to alternatives, halving each time.
    const alternatives = Array.from({ length: Math.max(0, top - 1) }, (_, j) => {
      const alt = j === 0 ? token.toUpperCase() === token ? `${token}~` : token.toUpperCase() : `${token}~${j}`;
      return { token: alt, logprob: Math.log((1 - p) * 0.5 ** (j + 1)), bytes: bytesOf(alt) };
    });
    const entry = { token, logprob: Math.log(p), bytes: bytesOf(token) };
    return { ...entry, top_logprobs: top > 0 ? [entry, ...alternatives] : [] };
  });
}
