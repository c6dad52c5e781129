import { ChatOpenAI, ChatOpenAICompletions, type ChatOpenAIFields } from '@langchain/openai';
import type { BaseMessageLike } from '@langchain/core/messages';
import { CallTimeoutError } from './errors/call-timeout-error.js';
import type { TokenCounts } from './cost.js';
import type { ChatMessage, FinishReason } from './registry.js';

/** What we ask an OpenAI-compatible server to decode into. */
export type ResponseFormat =
  | { readonly type: 'json_schema'; readonly json_schema: { readonly name: string; readonly strict: boolean; readonly schema: object } }
  | { readonly type: 'json_object' }
  | { readonly type: 'text' };

export interface ChatRequest {
  readonly messages: readonly ChatMessage[];
  readonly responseFormat?: ResponseFormat;
  readonly signal?: AbortSignal;
  /** Per-call limit; past it the call fails with a (retryable) CallTimeoutError. */
  readonly timeoutMs: number;
}

export interface ChatReply {
  /** The raw message text, untouched, so a caller can repair it. */
  readonly text: string;
  /** Set when the model refused (message.refusal). */
  readonly refusal: string | undefined;
  readonly finishReason: FinishReason;
  /** Undefined when the server reported no usage. */
  readonly tokens: TokenCounts | undefined;
  /** The model name the server answered with (may carry a version suffix). */
  readonly responseModel: string | undefined;
}

export type ChatCall = (request: ChatRequest) => Promise<ChatReply>;

export interface ChatModelSettings {
  readonly model: string;
  readonly apiKey: string;
  readonly baseURL?: string;
  readonly temperature?: number;
  readonly maxOutputTokens?: number;
  /** Test and bench seam: the fetch the OpenAI client uses. */
  readonly fetch?: typeof fetch;
}

/**
 * LangChain's completions client sends json_schema requests through the OpenAI SDK's `parse()`,
 * which JSON.parses the reply and throws on finish_reason "length" or "content_filter" — losing
 * the raw text and usage we need to repair, retry and bill. Plain `create()` keeps them.
 */
class RawTextCompletions extends ChatOpenAICompletions {
  override async completionWithRetry(request: any, requestOptions?: any): Promise<any> {
    const clientOptions = this._getClientOptions(requestOptions);
    return this.caller.call(() => this.client.chat.completions.create(request, clientOptions));
  }
}

const FINISH_REASONS: Record<string, FinishReason> = {
  stop: 'stop',
  length: 'length',
  content_filter: 'content_filter',
  tool_calls: 'tool_calls',
  function_call: 'tool_calls',
};

/** The parts of a chat.completion body we read, live or from a batch output line. */
export interface RawCompletion {
  model?: string;
  choices?: { finish_reason?: string | null; message?: { content?: string | null; refusal?: string | null } }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number; prompt_tokens_details?: { cached_tokens?: number | null } | null } | null;
}

/** A chat.completion body as a ChatReply; `text` overrides the message content (LangChain's copy of it, live). */
export function chatReplyOf(raw: RawCompletion | undefined, text?: string): ChatReply {
  const choice = raw?.choices?.[0];
  const refusal = choice?.message?.refusal ?? undefined;
  const usage = raw?.usage;
  return {
    text: text ?? choice?.message?.content ?? '',
    refusal,
    finishReason: refusal ? 'refusal' : (FINISH_REASONS[choice?.finish_reason ?? ''] ?? 'unknown'),
    tokens:
      usage && typeof usage.prompt_tokens === 'number' && typeof usage.completion_tokens === 'number'
        ? { inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens, cachedInputTokens: usage.prompt_tokens_details?.cached_tokens ?? 0 }
        : undefined,
    responseModel: raw?.model,
  };
}

/** Builds one ChatOpenAI for a role and returns the single-call function the registry wraps. */
export function createChatCall(settings: ChatModelSettings): ChatCall {
  const fields: ChatOpenAIFields = {
    model: settings.model,
    apiKey: settings.apiKey,
    temperature: settings.temperature,
    maxTokens: settings.maxOutputTokens,
    // Retries, timeouts and limits are ours: LangChain's would hide 429s and double-count waits.
    maxRetries: 0,
    // Never stream: LangChain then counts tokens with a tokenizer it downloads, which stalls offline.
    streaming: false,
    // Keeps the raw completion on the message, for refusal, finish_reason and cached-token usage.
    __includeRawResponse: true,
    configuration: { baseURL: settings.baseURL, ...(settings.fetch ? { fetch: settings.fetch } : {}) },
  };
  const model = new ChatOpenAI({ ...fields, completions: new RawTextCompletions(fields) });

  return async function chatCall({ messages, responseFormat, signal, timeoutMs }) {
    // One controller per call, fed by the caller's signal and our timer. Not AbortSignal.any: on
    // Node 20 it leaks ~1 KB per call against a long-lived signal (a run's), so we unhook by hand.
    const call = new AbortController();
    const timer = setTimeout(() => call.abort(new CallTimeoutError(timeoutMs)), timeoutMs);
    const forward = () => call.abort(signal!.reason);
    if (signal?.aborted) forward();
    else signal?.addEventListener('abort', forward, { once: true });
    const combined = call.signal;
    try {
      const message = await model.invoke(messages as BaseMessageLike[], {
        signal: combined,
        ...(responseFormat ? { response_format: responseFormat as never } : {}),
      });
      const raw = (message.additional_kwargs as { __raw_response?: RawCompletion }).__raw_response;
      return chatReplyOf(raw, typeof message.content === 'string' ? message.content : undefined);
    } catch (error) {
      // The client reports both a caller's abort and our timer as an AbortError; tell them apart.
      if (signal?.aborted) throw signal.reason ?? error;
      if (call.signal.aborted) throw call.signal.reason;
      throw error;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', forward);
    }
  };
}
