import { sha256 } from '../../base/hash.js';
import { structuredRequest, type StructuredDeps, type StructuredRequest } from '../structured.js';
import type { ResponseFormat } from '../chat.js';
import type { ChatMessage } from '../types.js';

/** One structured request for the Batch API: what generateStructured takes, under a caller-chosen id. */
export interface BatchRequest {
  /**
   * Unique within a job; the result comes back under it. Derive it from the request's content or
   * identity (user, phase, step) so that a restarted process builds the same ids.
   */
  readonly customId: string;
  /** JSON Schema: the single source of truth for the value's shape. */
  readonly schema: object;
  readonly schemaName: string;
  readonly messages: readonly ChatMessage[];
}

/** One line of the input file: https://platform.openai.com/docs/api-reference/batch/request-input */
export interface BatchInputLine {
  readonly custom_id: string;
  readonly method: 'POST';
  readonly url: '/v1/chat/completions';
  readonly body: {
    readonly model: string;
    readonly messages: readonly ChatMessage[];
    /** Absent when the provider's dialect carries the schema in other body fields (vLLM, llama.cpp). */
    readonly response_format?: ResponseFormat;
    readonly temperature?: number;
    readonly max_tokens?: number;
    readonly [field: string]: unknown;
  };
}

/** A request with its input line and what its reply will be validated with. */
export interface PreparedRequest {
  readonly request: BatchRequest;
  readonly line: BatchInputLine;
  readonly structured: StructuredRequest;
  /** The line as written to the file (no trailing newline). */
  readonly text: string;
}

/** The model settings the live path sends with every call for a role. */
export interface BatchModelSettings {
  readonly model: string;
  readonly temperature?: number;
  readonly maxOutputTokens?: number;
  /** Whether the provider takes response_format json_schema (else json_object + the schema in the prompt). */
  readonly structuredOutputs: boolean;
  /** The provider's constrained-decoding dialect, as the live path uses it. */
  readonly decoding?: StructuredDeps['decoding'];
}

/** The same body ChatOpenAI sends live (model, messages, response_format, temperature, max_tokens), minus `stream`. */
export function prepareBatchRequest(request: BatchRequest, settings: BatchModelSettings): PreparedRequest {
  const structured = structuredRequest(request, settings.structuredOutputs, settings.decoding);
  const { responseFormat, extraBody } = structured.decoding;
  const line: BatchInputLine = {
    custom_id: request.customId,
    method: 'POST',
    url: '/v1/chat/completions',
    body: {
      model: settings.model,
      messages: structured.messages,
      ...(responseFormat ? { response_format: responseFormat } : {}),
      ...extraBody,
      ...(settings.temperature !== undefined ? { temperature: settings.temperature } : {}),
      ...(settings.maxOutputTokens !== undefined ? { max_tokens: settings.maxOutputTokens } : {}),
    },
  };
  return { request, line, structured, text: JSON.stringify(line) };
}

/** What the API takes per batch: 50,000 requests and 200 MB of input file. */
export const BATCH_LIMITS = { maxRequests: 50_000, maxBytes: 200 * 1024 * 1024 } as const;

/** Splits requests into batches within the request and byte limits, keeping their order. */
export function chunkRequests(prepared: readonly PreparedRequest[], { maxRequests = BATCH_LIMITS.maxRequests, maxBytes = BATCH_LIMITS.maxBytes }: { maxRequests?: number; maxBytes?: number } = {}): PreparedRequest[][] {
  const chunks: PreparedRequest[][] = [];
  let current: PreparedRequest[] = [];
  let bytes = 0;
  for (const p of prepared) {
    const size = Buffer.byteLength(p.text) + 1;
    if (size > maxBytes) throw new RangeError(`request ${p.request.customId} is ${size} bytes, over the ${maxBytes}-byte batch input limit`);
    if (current.length >= maxRequests || bytes + size > maxBytes) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(p);
    bytes += size;
  }
  if (current.length) chunks.push(current);
  return chunks;
}

export const toJsonl = (prepared: readonly PreparedRequest[]): string => prepared.map((p) => p.text).join('\n') + '\n';

/** Identifies a batch's exact content, so a restart resumes only the batch it would have sent. */
export const jsonlDigest = (jsonl: string): string => sha256(`batch-input:v1:${jsonl}`);
