import { Tiktoken } from 'js-tiktoken/lite';
import o200kBase from 'js-tiktoken/ranks/o200k_base';
import type { ChatMessage } from './types.js';

// The ranks ship inside the js-tiktoken package, so counting never touches the network.
// Building the encoder takes ~100 ms, so it is built once, on first use.
let encoder: Tiktoken | undefined;

function getEncoder(): Tiktoken {
  encoder ??= new Tiktoken(o200kBase);
  return encoder;
}

/** Builds the encoder now (~0.5–1 s) instead of inside the first timed call. */
export function warmTokenizer(): void {
  getEncoder();
}

/** Tokens in a plain text under o200k_base (the gpt-4o family's encoding). */
export function countTokens(text: string): number {
  if (text.length === 0) return 0;
  return getEncoder().encode(text).length;
}

/**
 * The texts of a string's o200k_base tokens, in order; they concatenate back to the string. A
 * character whose UTF-8 bytes span several tokens comes back as one piece (those tokens merged),
 * because a lone piece of a character is not a string.
 */
export function tokenPieces(text: string): string[] {
  if (text.length === 0) return [];
  const ids = getEncoder().encode(text);
  const pieces: string[] = [];
  let pending: number[] = [];
  let at = 0;
  for (const id of ids) {
    pending.push(id);
    const piece = getEncoder().decode(pending);
    // An incomplete UTF-8 sequence decodes to U+FFFD; wait for the rest of the character.
    if (!text.startsWith(piece, at)) continue;
    pieces.push(piece);
    at += piece.length;
    pending = [];
  }
  if (pending.length > 0) pieces.push(text.slice(at));
  return pieces;
}

// OpenAI's published accounting for chat prompts: every message costs 3 tokens of framing,
// and every reply is primed with 3 more. Close enough for rate limiting and estimates.
const TOKENS_PER_MESSAGE = 3;
const REPLY_PRIMING_TOKENS = 3;

/** Prompt tokens a chat request will be billed for (the same count the scripted server reports). */
export function countChatTokens(messages: readonly Pick<ChatMessage, 'role' | 'content'>[]): number {
  let total = REPLY_PRIMING_TOKENS;
  for (const m of messages) total += TOKENS_PER_MESSAGE + countTokens(m.role) + countTokens(m.content);
  return total;
}
