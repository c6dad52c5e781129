/**
 * A confidence from the token log-probabilities of a structured reply, over the tokens that
 * carry its values only: keys, quotes and punctuation are forced by the schema (often by the
 * server's constrained decoder) and sit near probability 1, so counting them says nothing.
 */
import { jsonValueMask } from './json-values.js';

/** One generated token, as OpenAI's `choices[0].logprobs.content[]` reports it (camel-cased). */
export interface TokenLogprob {
  readonly token: string;
  /** Natural log of the token's probability. */
  readonly logprob: number;
  /** UTF-8 bytes of the token; null or absent when the server does not send them. */
  readonly bytes?: readonly number[] | null;
  /** The most likely alternatives at this position, when top_logprobs was asked for. */
  readonly topLogprobs?: readonly { readonly token: string; readonly logprob: number }[];
}

/**
 * How the value tokens' probabilities become one number. Never the sum or the mean: the sum
 * falls with every extra token and the mean rises with every easy one, so both rank answers by
 * length. The weakest token (or a low quantile of them, less noisy) is length-neutral: one
 * uncertain value makes the whole answer uncertain, which is what a cascade needs to know.
 */
export type LogprobAggregate = { readonly kind: 'min' } | { readonly kind: 'quantile'; readonly q: number };

export const DEFAULT_LOGPROB_AGGREGATE: LogprobAggregate = { kind: 'quantile', q: 0.1 };

export interface LogprobConfidence {
  /** 0..1: the aggregated probability of the value tokens. */
  readonly confidence: number;
  readonly valueTokens: number;
  /** The least probable value token, for notes ("least sure of ' basil' at 0.41"). */
  readonly weakest: { readonly token: string; readonly probability: number; readonly offset: number };
}

export type LogprobConfidenceResult = ({ readonly ok: true } & LogprobConfidence) | { readonly ok: false; readonly reason: string };

/** [start, end) character offsets of each token in `text`; undefined when the tokens do not spell the text. */
export function tokenOffsets(tokens: readonly TokenLogprob[], text: string): [number, number][] | undefined {
  if (tokens.length > 0 && tokens.every((t) => Array.isArray(t.bytes))) return byteOffsets(tokens, text);
  const offsets: [number, number][] = [];
  let at = 0;
  for (const t of tokens) {
    if (!text.startsWith(t.token, at)) return undefined;
    offsets.push([at, at + t.token.length]);
    at += t.token.length;
  }
  return at === text.length ? offsets : undefined;
}

/**
 * Offsets from the tokens' bytes: a token can hold part of a multi-byte character (its `token`
 * string is then not the text), so bytes are the reliable measure when the server sends them.
 * A token covering part of a character is given the whole character.
 */
function byteOffsets(tokens: readonly TokenLogprob[], text: string): [number, number][] | undefined {
  const encoded = new TextEncoder().encode(text);
  // For byte b: the UTF-16 start and end of the character it belongs to.
  const charStart = new Uint32Array(encoded.length);
  const charEnd = new Uint32Array(encoded.length);
  let b = 0;
  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i)!;
    const units = cp > 0xffff ? 2 : 1;
    const n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    charStart.fill(i, b, b + n);
    charEnd.fill(i + units, b, b + n);
    b += n;
    i += units;
  }
  const offsets: [number, number][] = [];
  let at = 0;
  for (const t of tokens) {
    const bytes = t.bytes!;
    if (at + bytes.length > encoded.length) return undefined;
    for (let k = 0; k < bytes.length; k++) if (encoded[at + k] !== bytes[k]) return undefined;
    const start = at < encoded.length ? charStart[at] : text.length;
    offsets.push([start, bytes.length > 0 ? charEnd[at + bytes.length - 1] : start]);
    at += bytes.length;
  }
  return at === encoded.length ? offsets : undefined;
}

/** The tokens that overlap a JSON value's characters, with their offsets. */
export function valueTokens(tokens: readonly TokenLogprob[], text: string): { token: TokenLogprob; offset: number }[] | undefined {
  const offsets = tokenOffsets(tokens, text);
  if (!offsets) return undefined;
  const mask = jsonValueMask(text);
  const out: { token: TokenLogprob; offset: number }[] = [];
  tokens.forEach((token, k) => {
    const [start, end] = offsets[k];
    for (let i = start; i < end; i++) {
      if (mask[i]) {
        out.push({ token, offset: start });
        return;
      }
    }
  });
  return out;
}

/** Aggregates value-token probabilities of a reply into a confidence, or says why it cannot. */
export function logprobConfidence(tokens: readonly TokenLogprob[], text: string, aggregate: LogprobAggregate = DEFAULT_LOGPROB_AGGREGATE): LogprobConfidenceResult {
  if (aggregate.kind === 'quantile' && !(aggregate.q >= 0 && aggregate.q <= 1)) throw new RangeError(`logprob quantile must be within 0..1, got ${aggregate.q}`);
  const values = valueTokens(tokens, text);
  if (!values) return { ok: false, reason: `the ${tokens.length} logprob tokens do not spell the reply text (${text.length} chars)` };
  if (values.length === 0) return { ok: false, reason: 'the reply has no value tokens' };
  const probabilities = values.map((v) => Math.exp(v.token.logprob));
  let weakestIndex = 0;
  probabilities.forEach((p, k) => {
    if (p < probabilities[weakestIndex]) weakestIndex = k;
  });
  const confidence = aggregate.kind === 'min' ? probabilities[weakestIndex] : quantile(probabilities, aggregate.q);
  const weakest = values[weakestIndex];
  return { ok: true, confidence, valueTokens: values.length, weakest: { token: weakest.token.token, probability: probabilities[weakestIndex], offset: weakest.offset } };
}

/** Linear-interpolated quantile (the "type 7" definition spreadsheets use) of an unsorted list. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}
