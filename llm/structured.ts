import type { ErrorObject } from 'ajv';
import type { Logger } from 'pino';
import { compileSchema, describeErrors } from '../base/ajv.js';
import type { ChatReply, ChatRequest, ResponseFormat } from './chat.js';
import type { Price } from '../config/config-schema.js';
import { priceUsage, type TokenCounts } from './cost.js';
import { StructuredOutputError } from './errors/structured-output-error.js';
import { closeTruncatedJson, coerceToSchema, extractJsonText, tryParseJson } from './repair.js';
import type { GenerateStructuredOptions, StructuredResult } from './registry.js';
import { decodingRequest, type DecodingRequest } from './constrained-decoding.js';
import { createPrefixChecker } from './stream-check/prefix-checker.js';
import { countChatTokens, countTokens } from './tokens.js';
import type { Usage } from './usage.js';
import { addUsage } from './usage.js';
import { droppedKeywordWarnings, toWireSchema, type DecodingDialect } from './wire-schema.js';
import type { ChatMessage, EarlyAbort, StructuredAttempt, StructuredFailureStage } from './types.js';

/** A request that failed at the transport level (429, 5xx, timeout), reported by the call wrapper. */
export interface RequestFailure {
  readonly error: unknown;
  readonly latencyMs: number;
  readonly willRetry: boolean;
}

/** One model call, already behind the provider's limiter and retries. */
export type StructuredCall = (request: {
  readonly messages: readonly ChatMessage[];
  /** Undefined when the schema travels in extraBody (vLLM, llama.cpp). */
  readonly responseFormat?: ResponseFormat;
  readonly extraBody?: ChatRequest['extraBody'];
  readonly logprobs?: ChatRequest['logprobs'];
  readonly stream?: ChatRequest['stream'];
  readonly signal?: AbortSignal;
  readonly onRequestFailure: (failure: RequestFailure) => void;
}) => Promise<ChatReply>;

export interface StructuredDeps {
  /** The configured model id: priced, logged and recorded. */
  readonly model: string;
  readonly call: StructuredCall;
  readonly prices: Readonly<Record<string, Price>>;
  /** Whether the provider takes response_format json_schema; otherwise json_object + the schema in the prompt. */
  readonly structuredOutputs: boolean;
  /** Extra calls with the validator's errors appended, after the first. @default 1 */
  readonly maxValidationRetries?: number;
  readonly logger: Logger;
  readonly monotonic: () => number;
  /** Told each distinct warning as it arises, so a long run can log it once rather than per call. */
  readonly onWarning?: (warning: string) => void;
  /** The server's constrained-decoding dialect and the schema keywords it drops (from the provider config). */
  readonly decoding?: { readonly dialect: DecodingDialect; readonly unsupportedKeywords?: readonly string[]; readonly provider: string };
}

/** Calls after the first that carry the validator's errors back to the model, unless a registry sets its own. */
export const DEFAULT_MAX_VALIDATION_RETRIES = 1;

/** What one reply turned out to be, after any repair. */
export type Interpretation =
  | { readonly ok: true; readonly value: unknown; readonly repaired: boolean; readonly repairs: readonly string[] }
  | { readonly ok: false; readonly stage: StructuredFailureStage; readonly detail: string; readonly cause?: unknown; readonly ajvErrors?: readonly ErrorObject[]; readonly earlyAbort?: EarlyAbort };

/** What the live path sends for a structured request, built once so the batch path sends the same. */
export interface StructuredRequest {
  readonly messages: readonly ChatMessage[];
  /** Where the schema goes for this server's dialect: response_format, or extra body fields. */
  readonly decoding: DecodingRequest;
  readonly validate: ReturnType<typeof compileSchema>;
  /** Schema keywords the server drops, a schema outside the strict subset: each said once. */
  readonly warnings: readonly string[];
}

/**
 * Schema-constrained decoding in the provider's dialect (OpenAI json_schema, strict when the schema
 * allows; vLLM, llama.cpp fields) for providers with structured outputs, else json_object with the
 * schema in the system prompt; plus the ajv validator, which always checks the original schema.
 */
export function structuredRequest(
  options: Pick<GenerateStructuredOptions, 'schema' | 'schemaName' | 'messages'>,
  structuredOutputs: boolean,
  decodingSettings?: StructuredDeps['decoding'],
): StructuredRequest {
  const { schema, schemaName } = options;
  if (!Array.isArray(options.messages) || options.messages.length === 0) throw new TypeError('generateStructured needs at least one message');
  const validate = compileSchema(schema);
  const dialect = decodingSettings?.dialect ?? 'openai';
  const wire = toWireSchema(schema, { dialect, unsupportedKeywords: decodingSettings?.unsupportedKeywords });
  const decoding: DecodingRequest = structuredOutputs ? decodingRequest(dialect, schemaName, wire) : { responseFormat: { type: 'json_object' } };
  const warnings: string[] = structuredOutputs ? [...droppedKeywordWarnings(wire, schemaName, decodingSettings?.provider ?? schemaName)] : [];
  if (decoding.responseFormat?.type === 'json_schema' && !wire.strictCompatible) warnings.push(`schema ${schemaName} is outside the strict subset (${wire.strictProblem}); sent with strict: false`);
  // In the prompt the model reads every keyword, so nothing is dropped there.
  const messages = structuredOutputs ? [...options.messages] : withSchemaInstruction(options.messages, toWireSchema(schema).schema);
  return { messages, decoding, validate, warnings };
}

/**
 * Outlines-style constrained generation over an OpenAI-compatible API: ask for schema-constrained
 * decoding where the provider has it, always validate with ajv, repair mechanically where safe,
 * retry with the validator's errors, and otherwise throw a StructuredOutputError naming the stage.
 */
export async function generateStructuredWith<T>(options: GenerateStructuredOptions<object>, deps: StructuredDeps): Promise<StructuredResult<T>> {
  const { schema, signal } = options;
  const { model, call, prices, structuredOutputs, logger, monotonic } = deps;
  const schemaName = options.schemaName;
  const maxValidationRetries = deps.maxValidationRetries ?? DEFAULT_MAX_VALIDATION_RETRIES;
  const request = structuredRequest(options, structuredOutputs, deps.decoding);
  const { validate, decoding } = request;
  const warnings = new Set<string>();
  const warn = (w: string) => {
    if (warnings.has(w)) return;
    warnings.add(w);
    deps.onWarning?.(w);
  };
  for (const w of request.warnings) warn(w);
  let messages: ChatMessage[] = [...request.messages];
  const logprobs = options.logprobs ? (typeof options.logprobs === 'object' ? options.logprobs : {}) : undefined;
  // Lenient: a reply the mechanical repairs would fix is not stopped; only one nothing could save.
  const stream = options.earlyAbort
    ? { createChecker: () => createPrefixChecker(schema, { lenient: true }), ...(typeof options.earlyAbort === 'object' ? options.earlyAbort : {}) }
    : undefined;

  const started = monotonic();
  const attempts: StructuredAttempt[] = [];
  let lastReply: ChatReply | undefined;
  let lastFailure: Extract<Interpretation, { ok: false }> | undefined;

  for (let round = 0; round <= maxValidationRetries; round++) {
    const t0 = monotonic();
    let reply: ChatReply;
    let requestStart = t0;
    try {
      reply = await call({
        messages,
        ...decoding,
        ...(logprobs ? { logprobs } : {}),
        ...(stream ? { stream } : {}),
        signal,
        onRequestFailure: ({ error, latencyMs, willRetry }) => {
          requestStart = monotonic();
          attempts.push({ ok: false, failure: 'http', detail: `${(error as Error).message ?? String(error)}${willRetry ? ' (retrying)' : ''}`, repaired: false, usage: { inputTokens: 0, cachedInputTokens: 0, outputTokens: 0, costUsd: 0, calls: 1 }, latencyMs });
        },
      });
    } catch (error) {
      if (signal?.aborted || (error as Error)?.name === 'AbortError') throw error;
      throw new StructuredOutputError({
        stage: 'request',
        model,
        detail: (error as Error).message ?? String(error),
        text: lastReply?.text,
        finishReason: lastReply?.finishReason,
        usage: totalUsage(attempts),
        attempts,
        cause: error,
      });
    }
    lastReply = reply;
    const usage = withSaving(usageOf(reply, messages, model, prices, warn), reply.earlyAbort);
    const outcome = interpretReply(reply, schema, validate);
    const latencyMs = monotonic() - requestStart;
    if (outcome.ok) {
      attempts.push({ ok: true, repaired: outcome.repaired, ...(outcome.repairs.length ? { detail: `repaired: ${outcome.repairs.join(', ')}` } : {}), usage, latencyMs });
      if (outcome.repaired) logger.info({ model, schema: schemaName, repairs: outcome.repairs }, 'structured output repaired mechanically');
      return {
        object: outcome.value as T,
        model,
        usage: totalUsage(attempts),
        finishReason: reply.finishReason,
        attempts,
        repaired: outcome.repaired,
        latencyMs: monotonic() - started,
        warnings: [...warnings],
        ...(reply.logprobs ? { logprobs: { text: reply.text, tokens: reply.logprobs } } : {}),
      };
    }
    attempts.push({ ok: false, failure: outcome.stage, detail: outcome.detail, repaired: false, usage, latencyMs, ...(outcome.earlyAbort ? { earlyAbort: outcome.earlyAbort } : {}) });
    lastFailure = outcome;
    logger.warn({ model, schema: schemaName, stage: outcome.stage, detail: outcome.detail.slice(0, 300), round }, 'structured output rejected');
    // A refusal or a content-filter block is a decision, not a slip: asking again rarely changes it.
    if (outcome.stage === 'refusal' || outcome.stage === 'content_filter') break;
    messages = [...messages, { role: 'assistant', content: reply.text }, { role: 'user', content: feedbackFor(outcome) }];
  }

  throw new StructuredOutputError({
    stage: lastFailure!.stage,
    model,
    detail: lastFailure!.detail,
    text: lastReply?.refusal ?? lastReply?.text,
    finishReason: lastReply?.finishReason,
    usage: totalUsage(attempts),
    attempts,
    cause: lastFailure!.ajvErrors ?? lastFailure!.cause,
  });
}

/** An early-aborted reply's usage carries the output tokens it did not cost. */
function withSaving(usage: Usage, early: EarlyAbort | undefined): Usage {
  return early?.estimatedTokensSaved !== undefined ? { ...usage, savedOutputTokens: early.estimatedTokensSaved } : usage;
}

function totalUsage(attempts: readonly StructuredAttempt[]): Usage {
  return addUsage(...attempts.map((a) => a.usage));
}

/** Reported usage when the server gave it; otherwise counted with the tokenizer and flagged. */
export function usageOf(reply: ChatReply, messages: readonly ChatMessage[], model: string, prices: Readonly<Record<string, Price>>, warn: (w: string) => void): Usage {
  let tokens: TokenCounts | undefined = reply.tokens;
  if (!tokens) {
    tokens = { inputTokens: countChatTokens(messages), cachedInputTokens: 0, outputTokens: countTokens(reply.refusal ?? reply.text) };
    warn(`the server reported no token usage for ${model}; usage estimated with the o200k_base tokenizer`);
  }
  const priced = priceUsage(model, tokens, prices);
  if (priced.warning) warn(priced.warning);
  return priced.usage;
}

/** Refusal, filter, early abort, parse (with fence/prose stripping and truncation closing), validate, coerce: the same rules for live and batch replies. */
export function interpretReply(reply: ChatReply, schema: object, validate: ReturnType<typeof compileSchema>): Interpretation {
  const early = reply.earlyAbort;
  if (early) {
    // Stopped part-way: as good as a schema failure, found before the rest was paid for.
    const saved = early.estimatedTokensSaved === undefined ? '' : `; about ${early.estimatedTokensSaved} output tokens not generated`;
    return { ok: false, stage: 'schema', detail: `reply stopped early at character ${early.offset}: ${early.path || '/'} ${early.reason}${saved}`, earlyAbort: early };
  }
  if (reply.refusal) return { ok: false, stage: 'refusal', detail: `the model refused: ${reply.refusal.slice(0, 200)}` };
  if (reply.finishReason === 'content_filter') return { ok: false, stage: 'content_filter', detail: 'the provider filtered the reply' };
  const truncated = reply.finishReason === 'length';
  const repairs: string[] = [];

  let parsed = tryParseJson(reply.text);
  let parseError = parsed.ok ? undefined : parsed.error;
  if (!parsed.ok) {
    const extracted = extractJsonText(reply.text);
    if (extracted !== undefined) {
      parsed = tryParseJson(extracted);
      if (parsed.ok) repairs.push('stripped fences or prose around the JSON');
      else {
        // Bracket-closing is only kept if the closed value passes the schema, checked below.
        for (const candidate of closeTruncatedJson(extracted)) {
          const p = tryParseJson(candidate);
          if (!p.ok) continue;
          const fixed = fixToSchema(p.value, schema, validate);
          if (fixed.ok) return { ok: true, value: fixed.value, repaired: true, repairs: [...repairs, 'closed truncated JSON', ...fixed.repairs] };
        }
      }
    }
  }
  if (!parsed.ok) {
    parseError = parseError ?? parsed.error;
    return truncated
      ? { ok: false, stage: 'length', detail: `reply cut off at the output token limit and could not be closed into a valid value (${reply.text.length} chars)`, cause: parseError }
      : { ok: false, stage: 'not-json', detail: parseError.message, cause: parseError };
  }

  const fixed = fixToSchema(parsed.value, schema, validate);
  if (fixed.ok) {
    const all = [...repairs, ...fixed.repairs];
    return { ok: true, value: fixed.value, repaired: all.length > 0, repairs: all };
  }
  return { ok: false, stage: truncated ? 'length' : 'schema', detail: describeErrors(fixed.errors), ajvErrors: fixed.errors };
}

/** Validates, and on failure tries the schema-directed coercions once. */
function fixToSchema(value: unknown, schema: object, validate: ReturnType<typeof compileSchema>): { ok: true; value: unknown; repairs: string[] } | { ok: false; errors: ErrorObject[] } {
  if (validate(value)) return { ok: true, value, repairs: [] };
  const errors = [...(validate.errors ?? [])];
  const coerced = coerceToSchema(value, schema);
  if (coerced.changed && validate(coerced.value)) return { ok: true, value: coerced.value, repairs: ['coerced types or dropped unknown properties'] };
  return { ok: false, errors };
}

function feedbackFor(failure: Extract<Interpretation, { ok: false }>): string {
  switch (failure.stage) {
    case 'length':
      return 'Your reply was cut off at the output length limit. Reply again with a complete, shorter JSON object that matches the schema.';
    case 'not-json':
      return `Your reply was not valid JSON (${failure.detail}). Reply with only the JSON object, no prose and no code fences.`;
    default:
      if (failure.earlyAbort) {
        const { path, reason } = failure.earlyAbort;
        return `Your reply stopped matching the required JSON Schema part-way and was cut off: ${path || '/'} ${reason}. Reply with only a JSON object that matches the schema.`;
      }
      return `Your reply did not match the required JSON Schema: ${failure.detail}. Reply with only a corrected JSON object.`;
  }
}

/** For servers without json_schema support: the schema goes into the prompt instead. */
export function withSchemaInstruction(messages: readonly ChatMessage[], schema: object): ChatMessage[] {
  const instruction = `Reply with only a JSON object that validates against this JSON Schema:\n\`\`\`json\n${JSON.stringify(schema)}\n\`\`\``;
  const [first, ...rest] = messages;
  if (first?.role === 'system') return [{ role: 'system', content: `${first.content}\n\n${instruction}` }, ...rest];
  return [{ role: 'system', content: instruction }, ...messages];
}
