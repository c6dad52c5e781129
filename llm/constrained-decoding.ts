/**
 * Where a server takes the schema to decode against. OpenAI (and Ollama's /v1 endpoint, which
 * maps it onto its native `format`; a top-level `format` there is ignored) read
 * `response_format: json_schema`; vLLM reads `structured_outputs.json` (older releases
 * `guided_json`); llama.cpp's server reads a top-level `json_schema`.
 */
import type { ResponseFormat } from './chat.js';
import { wireSchemaName, type DecodingDialect, type WireSchema } from './wire-schema.js';

export interface DecodingRequest {
  /** Undefined when the schema travels in `extraBody` instead. */
  readonly responseFormat?: ResponseFormat;
  /** Non-OpenAI fields merged into the request body. */
  readonly extraBody?: Readonly<Record<string, unknown>>;
}

export function decodingRequest(dialect: DecodingDialect, schemaName: string, wire: WireSchema): DecodingRequest {
  switch (dialect) {
    case 'openai':
    case 'ollama':
      return { responseFormat: { type: 'json_schema', json_schema: { name: wireSchemaName(schemaName), strict: wire.strictCompatible, schema: wire.schema } } };
    case 'vllm':
      return { extraBody: { structured_outputs: { json: wire.schema } } };
    case 'vllm-guided':
      return { extraBody: { guided_json: wire.schema } };
    case 'llama.cpp':
      return { extraBody: { json_schema: wire.schema } };
  }
}

/** The schema a request carries, wherever it goes (for token estimates). */
export function requestSchema(request: DecodingRequest): object | undefined {
  if (request.responseFormat?.type === 'json_schema') return request.responseFormat.json_schema.schema;
  const body = request.extraBody as { structured_outputs?: { json?: object }; guided_json?: object; json_schema?: object } | undefined;
  return body?.structured_outputs?.json ?? body?.guided_json ?? body?.json_schema;
}
