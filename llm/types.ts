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
