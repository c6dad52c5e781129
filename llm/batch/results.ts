import type { Price } from '../../config/config-schema.js';
import { chatReplyOf, type RawCompletion } from '../chat.js';
import { StructuredOutputError } from '../errors/structured-output-error.js';
import type { StructuredResult } from '../registry.js';
import { interpretReply, usageOf } from '../structured.js';
import type { PreparedRequest } from './lines.js';
import type { StructuredAttempt } from '../types.js';

/** One line of an output or error file: https://platform.openai.com/docs/api-reference/batch/request-output */
export interface BatchOutputLine {
  readonly id?: string;
  readonly custom_id: string;
  readonly response: { readonly status_code: number; readonly request_id?: string; readonly body: unknown } | null;
  readonly error: { readonly code?: string | null; readonly message?: string | null } | null;
}

/**
 * What became of one request. `ok`: the same StructuredResult the live path returns. `invalid`:
 * answered (and billed) but not usable, with the StructuredOutputError the live path would throw
 * (not JSON, failed the schema, refusal, cut off, filtered): escalate it. `failed`: never answered
 * (error line, expired, cancelled, the batch failed, or no line at all): retry it live.
 */
export type BatchOutcome<T> =
  | { readonly customId: string; readonly status: 'ok'; readonly result: StructuredResult<T> }
  | { readonly customId: string; readonly status: 'invalid'; readonly error: StructuredOutputError }
  | { readonly customId: string; readonly status: 'failed'; readonly code: string; readonly message: string; readonly httpStatus?: number };

/** Parses a JSONL file body, naming the line that is not JSON. */
export function parseJsonl(text: string, what: string): BatchOutputLine[] {
  const out: BatchOutputLine[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      out.push(JSON.parse(line) as BatchOutputLine);
    } catch (e) {
      throw new Error(`${what} line ${i + 1} is not JSON (${(e as Error).message})`);
    }
  });
  return out;
}

export interface OutcomeContext {
  readonly model: string;
  /** The batch price table (batchPrices). */
  readonly prices: Readonly<Record<string, Price>>;
  /** From batch creation to its end: how long the answer took to arrive. */
  readonly latencyMs: number;
  /** Why a request with no line was never answered (the batch failed, expired, was cancelled). */
  readonly missing: { readonly code: string; readonly message: string };
}

/** Reads one request's line (or its absence) the way the live path reads a reply. */
export function outcomeOf<T>(prepared: PreparedRequest, line: BatchOutputLine | undefined, ctx: OutcomeContext): BatchOutcome<T> {
  const customId = prepared.request.customId;
  if (!line) return { customId, status: 'failed', ...ctx.missing };
  if (!line.response) return { customId, status: 'failed', code: line.error?.code ?? 'unknown', message: line.error?.message ?? 'no response and no error message' };
  if (line.response.status_code !== 200) {
    const err = (line.response.body as { error?: { code?: string | null; type?: string; message?: string } } | undefined)?.error;
    return { customId, status: 'failed', code: err?.code ?? err?.type ?? `http_${line.response.status_code}`, message: err?.message ?? `HTTP ${line.response.status_code}`, httpStatus: line.response.status_code };
  }

  const reply = chatReplyOf(line.response.body as RawCompletion);
  const warnings: string[] = [...prepared.structured.warnings];
  const usage = usageOf(reply, prepared.structured.messages, ctx.model, ctx.prices, (w) => warnings.push(w));
  const outcome = interpretReply(reply, prepared.request.schema, prepared.structured.validate);
  if (outcome.ok) {
    const attempt: StructuredAttempt = { ok: true, repaired: outcome.repaired, ...(outcome.repairs.length ? { detail: `repaired: ${outcome.repairs.join(', ')}` } : {}), usage, latencyMs: ctx.latencyMs };
    return {
      customId,
      status: 'ok',
      result: { object: outcome.value as T, model: ctx.model, usage, finishReason: reply.finishReason, attempts: [attempt], repaired: outcome.repaired, latencyMs: ctx.latencyMs, warnings },
    };
  }
  const attempt: StructuredAttempt = { ok: false, failure: outcome.stage, detail: outcome.detail, repaired: false, usage, latencyMs: ctx.latencyMs };
  return {
    customId,
    status: 'invalid',
    error: new StructuredOutputError({ stage: outcome.stage, model: ctx.model, detail: outcome.detail, text: reply.refusal ?? reply.text, finishReason: reply.finishReason, usage, attempts: [attempt], cause: outcome.ajvErrors ?? outcome.cause }),
  };
}
