import { ChatOpenAI, ChatOpenAICompletions, type ChatOpenAIFields } from '@langchain/openai';
import type { BaseMessageLike } from '@langchain/core/messages';
import type { TokenLogprob } from './confidence/logprobs.js';
import { CallTimeoutError } from './errors/call-timeout-error.js';
import type { TokenCounts } from './cost.js';
import type { PrefixChecker } from './stream-check/prefix-checker.js';
import { countChatTokens, countTokens } from './tokens.js';
import type { ChatMessage, EarlyAbort, FinishReason } from './types.js';

/** What we ask an OpenAI-compatible server to decode into. */
export type ResponseFormat =
  | { readonly type: 'json_schema'; readonly json_schema: { readonly name: string; readonly strict: boolean; readonly schema: object } }
  | { readonly type: 'json_object' }
  | { readonly type: 'text' };

export interface ChatRequest {
  readonly messages: readonly ChatMessage[];
  readonly responseFormat?: ResponseFormat;
  /** Fields outside OpenAI's API merged into the request body (a vLLM or llama.cpp schema). */
  readonly extraBody?: Readonly<Record<string, unknown>>;
  /** Ask for each output token's log-probability, and `top` alternatives per position (0–20). */
  readonly logprobs?: { readonly top?: number };
  /** Stream the reply; with a checker, stop as soon as the text so far cannot become a valid document. */
  readonly stream?: ChatStreamOptions;
  readonly signal?: AbortSignal;
  /** Per-call limit; past it the call fails with a (retryable) CallTimeoutError. */
  readonly timeoutMs: number;
}

export interface ChatStreamOptions {
  /** Makes the checker fed every content delta (a fresh one per request: it keeps state); a rejection ends the call early. */
  readonly createChecker?: () => Pick<PrefixChecker, 'push' | 'complete'>;
  /** Output tokens a complete reply would have had, for the saving estimate; maxOutputTokens otherwise. */
  readonly expectedOutputTokens?: number;
}


export interface ChatReply {
  /** The raw message text, untouched, so a caller can repair it (what arrived, when aborted early). */
  readonly text: string;
  /** Set when the model refused (message.refusal). */
  readonly refusal: string | undefined;
  readonly finishReason: FinishReason;
  /**
   * Undefined when the server reported no usage. After an early abort the server reports none, so
   * this is our count: prompt tokens by o200k, output tokens as received.
   */
  readonly tokens: TokenCounts | undefined;
  /** The model name the server answered with (may carry a version suffix). */
  readonly responseModel: string | undefined;
  /** Per-token log-probabilities of `text`, when asked for and the server sent them. */
  readonly logprobs?: readonly TokenLogprob[];
  /** Set when the stream was stopped early (finishReason "aborted"). */
  readonly earlyAbort?: EarlyAbort;
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

/** Where a call's extra body fields ride through LangChain's call options to completionWithRetry. */
const EXTRA_BODY = '__hubgenExtraBody';

/**
 * LangChain's completions client sends json_schema requests through the OpenAI SDK's `parse()`,
 * which JSON.parses the reply and throws on finish_reason "length" or "content_filter" — losing
 * the raw text and usage we need to repair, retry and bill. Plain `create()` keeps them. It is
 * also where a call's extra body fields join the request, as LangChain has no per-call body.
 */
class RawTextCompletions extends ChatOpenAICompletions {
  override async completionWithRetry(request: any, requestOptions?: any): Promise<any> {
    // Non-streaming calls get call options' `options` spread in; streaming calls get the call options whole.
    const { [EXTRA_BODY]: topLevel, options, ...rest } = requestOptions ?? {};
    const { [EXTRA_BODY]: nested, ...innerOptions } = options ?? {};
    const extra = topLevel ?? nested;
    const clientOptions = this._getClientOptions({ ...rest, ...(options ? { options: innerOptions } : {}) });
    return this.caller.call(() => this.client.chat.completions.create(extra ? { ...request, ...extra } : request, clientOptions));
  }
}

const FINISH_REASONS: Record<string, FinishReason> = {
  stop: 'stop',
  length: 'length',
  content_filter: 'content_filter',
  tool_calls: 'tool_calls',
  function_call: 'tool_calls',
};

interface WireLogprobs {
  content?: { token: string; logprob: number; bytes?: number[] | null; top_logprobs?: { token: string; logprob: number }[] }[] | null;
}

interface WireUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number | null } | null;
}

/** The parts of a chat.completion body we read, live or from a batch output line. */
export interface RawCompletion {
  model?: string;
  choices?: { finish_reason?: string | null; message?: { content?: string | null; refusal?: string | null }; logprobs?: WireLogprobs | null }[];
  usage?: WireUsage | null;
}

interface RawChunk {
  model?: string;
  choices?: { delta?: { content?: string | null; refusal?: string | null }; finish_reason?: string | null; logprobs?: WireLogprobs | null }[];
}

const tokensOf = (usage: WireUsage | null | undefined): TokenCounts | undefined =>
  usage && typeof usage.prompt_tokens === 'number' && typeof usage.completion_tokens === 'number'
    ? { inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens, cachedInputTokens: usage.prompt_tokens_details?.cached_tokens ?? 0 }
    : undefined;

const logprobsOf = (wire: WireLogprobs | null | undefined): TokenLogprob[] =>
  (wire?.content ?? []).map((l) => ({ token: l.token, logprob: l.logprob, bytes: l.bytes ?? null, ...(l.top_logprobs?.length ? { topLogprobs: l.top_logprobs.map((t) => ({ token: t.token, logprob: t.logprob })) } : {}) }));

/**
 * A chat.completion body as a ChatReply; `text` overrides the message content (LangChain's copy of
 * it, live); token log-probabilities come along when they were asked for.
 */
export function chatReplyOf(raw: RawCompletion | undefined, text?: string, withLogprobs = false): ChatReply {
  const choice = raw?.choices?.[0];
  const refusal = choice?.message?.refusal ?? undefined;
  return {
    text: text ?? choice?.message?.content ?? '',
    refusal,
    finishReason: refusal ? 'refusal' : (FINISH_REASONS[choice?.finish_reason ?? ''] ?? 'unknown'),
    tokens: tokensOf(raw?.usage),
    responseModel: raw?.model,
    ...(withLogprobs && choice?.logprobs ? { logprobs: logprobsOf(choice.logprobs) } : {}),
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
    // `streaming` stays unset (false): invoke() on a streaming model counts tokens with a tokenizer
    // it downloads, which stalls offline. Setting it to false outright would also make .stream()
    // fall back to invoke() (LangChain reads it as disableStreaming). Calls that want a stream use
    // .stream(), which counts nothing: usage comes from the server (stream_options.include_usage).
    // Keeps the raw completion (and each raw chunk) on the message, for refusal, finish_reason,
    // logprobs and cached-token usage.
    __includeRawResponse: true,
    configuration: { baseURL: settings.baseURL, ...(settings.fetch ? { fetch: settings.fetch } : {}) },
  };
  // logprobs are constructor fields in LangChain, so each setting gets its own client (at most a few).
  const models = new Map<string, ChatOpenAI>();
  const modelFor = (logprobs: ChatRequest['logprobs']): ChatOpenAI => {
    const key = logprobs ? `logprobs:${logprobs.top ?? 0}` : 'plain';
    let model = models.get(key);
    if (!model) {
      const f: ChatOpenAIFields = logprobs ? { ...fields, logprobs: true, ...(logprobs.top ? { topLogprobs: logprobs.top } : {}) } : fields;
      model = new ChatOpenAI({ ...f, completions: new RawTextCompletions(f) });
      models.set(key, model);
    }
    return model;
  };

  return async function chatCall({ messages, responseFormat, extraBody, logprobs, stream, signal, timeoutMs }) {
    // One controller per call, fed by the caller's signal and our timer. Not AbortSignal.any: on
    // Node 20 it leaks ~1 KB per call against a long-lived signal (a run's), so we unhook by hand.
    const call = new AbortController();
    const timer = setTimeout(() => call.abort(new CallTimeoutError(timeoutMs)), timeoutMs);
    const forward = () => call.abort(signal!.reason);
    if (signal?.aborted) forward();
    else signal?.addEventListener('abort', forward, { once: true });
    const model = modelFor(logprobs);
    const options = {
      signal: call.signal,
      ...(responseFormat ? { response_format: responseFormat as never } : {}),
      ...(extraBody ? { options: { [EXTRA_BODY]: extraBody } as never } : {}),
    };
    try {
      if (stream) return await streamReply(model, messages, { ...options, stream_options: { include_usage: true } }, stream, call, settings.maxOutputTokens);
      const message = await model.invoke(messages as BaseMessageLike[], options);
      const raw = (message.additional_kwargs as { __raw_response?: RawCompletion }).__raw_response;
      return chatReplyOf(raw, typeof message.content === 'string' ? message.content : undefined, !!logprobs);
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

/** Why the stream was stopped: set as the controller's reason so a late error from the client is recognised. */
const EARLY_ABORT = Symbol('hubgen.early-abort');

/**
 * Streams the reply through LangChain's .stream() (SSE via the OpenAI SDK), reading each raw
 * chunk for content, refusal, finish reason, logprobs and the final usage, and stops the request
 * at the first chunk the checker rejects.
 */
async function streamReply(
  model: ChatOpenAI,
  messages: readonly ChatMessage[],
  options: object,
  stream: ChatStreamOptions,
  call: AbortController,
  maxOutputTokens: number | undefined,
): Promise<ChatReply> {
  let text = '';
  let refusal = '';
  let finish: string | undefined;
  let responseModel: string | undefined;
  let tokens: TokenCounts | undefined;
  const logprobs: TokenLogprob[] = [];
  let sawLogprobs = false;
  let rejected: { offset: number; path: string; reason: string } | undefined;
  const checker = stream.createChecker?.();

  try {
    const chunks = await model.stream(messages as BaseMessageLike[], options as never);
    for await (const chunk of chunks) {
      // LangChain yields the usage on a chunk of its own, without a raw response.
      const usage = (chunk.response_metadata as { usage?: WireUsage } | undefined)?.usage;
      tokens = tokensOf(usage) ?? tokens;
      const raw = (chunk.additional_kwargs as { __raw_response?: RawChunk }).__raw_response;
      const choice = raw?.choices?.[0];
      if (!choice) continue;
      responseModel = raw?.model ?? responseModel;
      if (choice.finish_reason) finish = choice.finish_reason;
      if (choice.logprobs?.content) {
        sawLogprobs = true;
        logprobs.push(...logprobsOf(choice.logprobs));
      }
      refusal += choice.delta?.refusal ?? '';
      const piece = choice.delta?.content ?? '';
      if (!piece) continue;
      text += piece;
      if (checker && !checker.complete) {
        const verdict = checker.push(piece);
        if (!verdict.ok) {
          rejected = { offset: verdict.offset, path: verdict.path, reason: verdict.reason };
          // Closes the connection now; leaving the loop alone would wait for the next chunk first.
          call.abort(EARLY_ABORT);
          break;
        }
      }
    }
  } catch (error) {
    // Tearing down an aborted stream can throw from inside the client; the reply is already ours.
    if (!rejected) throw error;
  }

  if (rejected) {
    const outputTokens = sawLogprobs ? logprobs.length : countTokens(text);
    const basis = stream.expectedOutputTokens !== undefined ? 'expected' : maxOutputTokens !== undefined ? 'maxOutputTokens' : undefined;
    const against = stream.expectedOutputTokens ?? maxOutputTokens;
    return {
      text,
      refusal: undefined,
      finishReason: 'aborted',
      tokens: { inputTokens: countChatTokens(messages), cachedInputTokens: 0, outputTokens },
      responseModel,
      ...(sawLogprobs ? { logprobs } : {}),
      earlyAbort: { ...rejected, outputTokens, estimatedTokensSaved: against === undefined ? undefined : Math.max(0, against - outputTokens), savedAgainst: basis },
    };
  }
  return {
    text,
    refusal: refusal || undefined,
    finishReason: refusal ? 'refusal' : (FINISH_REASONS[finish ?? ''] ?? 'unknown'),
    tokens,
    responseModel,
    ...(sawLogprobs ? { logprobs } : {}),
  };
}
