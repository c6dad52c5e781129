import type { Usage } from './usage.js';
/** Message and reply types shared by the chat client, the registry and the tokenizer. */

export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

/** 'aborted': we stopped a streamed reply early because it could not become valid. */
export type FinishReason = 'stop' | 'length' | 'content_filter' | 'refusal' | 'tool_calls' | 'aborted' | 'unknown';

/** A streamed reply stopped because its prefix could not become a valid document. */
export interface EarlyAbort {
  /** Where in the text the first impossible character was, and why. */
  readonly offset: number;
  readonly path: string;
  readonly reason: string;
  /** Output tokens received before stopping: logprob entries when sent, else counted with o200k. */
  readonly outputTokens: number;
  /** Output tokens not generated: the expected (or maximum) length minus those received; undefined with neither. */
  readonly estimatedTokensSaved: number | undefined;
  readonly savedAgainst: 'expected' | 'maxOutputTokens' | undefined;
}

/** Where a structured call failed: not JSON, failed the schema, refused, cut off, filtered, or the request itself. */
export type StructuredFailureStage = 'not-json' | 'schema' | 'refusal' | 'length' | 'content_filter' | 'request';

/** One call made while producing a structured value (first try, or a retry with the validator's errors). */
export interface StructuredAttempt {
  readonly ok: boolean;
  /** 'not-json' | 'schema' | 'refusal' | 'length' | 'http' | ... when !ok. */
  /** Why the call failed: a stage of the structured-output rules, or 'http' for a transport failure that was retried. */
  readonly failure?: StructuredFailureStage | 'http';
  readonly detail?: string;
  readonly repaired: boolean;
  readonly usage: Usage;
  readonly latencyMs: number;
  /** Set when the streamed reply was stopped early (failure "schema"): where, why, and the tokens that saved. */
  readonly earlyAbort?: EarlyAbort;
}
