import type { ErrorObject } from 'ajv';
import type { Logger } from 'pino';
import { compileSchema, describeErrors } from '../base/ajv.js';
import type { ChatReply, ResponseFormat } from './chat.js';
import type { Price } from '../config/config-schema.js';
import { priceUsage, type TokenCounts } from './cost.js';
import { StructuredOutputError, type StructuredFailureStage } from './errors/structured-output-error.js';
import { closeTruncatedJson, coerceToSchema, extractJsonText, tryParseJson } from './repair.js';
import type { ChatMessage, GenerateStructuredOptions, StructuredAttempt, StructuredResult } from './registry.js';
import { countChatTokens, countTokens } from './tokens.js';
import type { Usage } from './usage.js';
import { addUsage } from './usage.js';
import { toWireSchema, wireSchemaName } from './wire-schema.js';

/** A request that failed at the transport level (429, 5xx, timeout), reported by the call wrapper. */
export interface RequestFailure {
  readonly error: unknown;
  readonly latencyMs: number;
  readonly willRetry: boolean;
}

/** One model call, already behind the provider's limiter and retries. */
export type StructuredCall = (request: {
  readonly messages: readonly ChatMessage[];
  readonly responseFormat: ResponseFormat;
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
}

/** What one reply turned out to be, after any repair. */
export type Interpretation =
  | { readonly ok: true; readonly value: unknown; readonly repaired: boolean; readonly repairs: readonly string[] }
  | { readonly ok: false; readonly stage: StructuredFailureStage; readonly detail: string; readonly cause?: unknown; readonly ajvErrors?: readonly ErrorObject[] };

/** What the live path sends for a structured request, built once so the batch path sends the same. */
export interface StructuredRequest {
  readonly messages: readonly ChatMessage[];
  readonly responseFormat: ResponseFormat;
  readonly validate: ReturnType<typeof compileSchema>;
  /** Set when the schema is outside the strict subset and goes out with strict: false. */
  readonly warning?: string;
}

/**
 * response_format json_schema (strict when the schema allows) for providers with structured
 * outputs, else json_object with the schema in the system prompt; plus the ajv validator.
 */
export function structuredRequest(options: Pick<GenerateStructuredOptions, 'schema' | 'schemaName' | 'messages'>, structuredOutputs: boolean): StructuredRequest {
  const { schema, schemaName } = options;
  if (!Array.isArray(options.messages) || options.messages.length === 0) throw new TypeError('generateStructured needs at least one message');
  const validate = compileSchema(schema);
  const wire = toWireSchema(schema);
  const responseFormat: ResponseFormat = structuredOutputs
    ? { type: 'json_schema', json_schema: { name: wireSchemaName(schemaName), strict: wire.strictCompatible, schema: wire.schema } }
    : { type: 'json_object' };
  const messages = structuredOutputs ? [...options.messages] : withSchemaInstruction(options.messages, wire.schema);
  const warning = structuredOutputs && !wire.strictCompatible ? `schema ${schemaName} is outside the strict subset (${wire.strictProblem}); sent with strict: false` : undefined;
  return { messages, responseFormat, validate, ...(warning ? { warning } : {}) };
}

/**
 * Outlines-style constrained generation over an OpenAI-compatible API: ask for schema-constrained
 * decoding where the provider has it, always validate with ajv, repair mechanically where safe,
 * retry with the validator's errors, and otherwise throw a StructuredOutputError naming the stage.
 */
export async function generateStructuredWith<T>(options: GenerateStructuredOptions, deps: StructuredDeps): Promise<StructuredResult<T>> {
  const { schema, signal } = options;
  const { model, call, prices, structuredOutputs, logger, monotonic } = deps;
  const schemaName = options.schemaName;
  const maxValidationRetries = deps.maxValidationRetries ?? 1;
  const request = structuredRequest(options, structuredOutputs);
  const { validate, responseFormat } = request;
  const warnings = new Set<string>();
  const warn = (w: string) => {
    if (warnings.has(w)) return;
    warnings.add(w);
    deps.onWarning?.(w);
  };
  if (request.warning) warn(request.warning);
  let messages: ChatMessage[] = [...request.messages];

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
        responseFormat,
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
    const usage = usageOf(reply, messages, model, prices, warn);
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
      };
    }
    attempts.push({ ok: false, failure: outcome.stage, detail: outcome.detail, repaired: false, usage, latencyMs });
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

/** Refusal, filter, parse (with fence/prose stripping and truncation closing), validate, coerce: the same rules for live and batch replies. */
export function interpretReply(reply: ChatReply, schema: object, validate: ReturnType<typeof compileSchema>): Interpretation {
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
