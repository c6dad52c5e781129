import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { countChatTokens, countTokens, tokenPieces, warmTokenizer } from '../tokens.js';
import { mulberry32 } from '../../base/random.js';
import { scriptedLogprobs, type WireLogprob } from './scripted-logprobs.js';
import { hashSeed, simulateFromSchema } from './simulate-schema.js';
import type { ChatCompletionRequest } from './types.js';
import { createBatchEndpoints, type BatchCalls, type BatchScript, type ScriptedBatch } from './batch-endpoints.js';

export { simulateFromSchema, hashSeed, promptWords } from './simulate-schema.js';
export type { BatchScript, BatchCalls, ScriptedBatch } from './batch-endpoints.js';
export type { ChatCompletionRequest } from './types.js';


/** One scripted answer. Omitted fields take realistic defaults (200, finish "stop", counted usage). */
export interface ScriptedReply {
  /** Message content; anything but a string is sent as JSON. */
  readonly content?: unknown;
  readonly refusal?: string;
  readonly finishReason?: 'stop' | 'length' | 'content_filter' | 'tool_calls';
  /** Cached prompt tokens to report (prompt_tokens_details.cached_tokens). */
  readonly cachedTokens?: number;
  /** false: send no usage block at all, like some local servers. */
  readonly usage?: false;
  /** Extra delay for this reply, on top of the server's latency. */
  readonly latencyMs?: number;
  /** Non-2xx: an OpenAI-style error body with `errorMessage`. */
  readonly status?: number;
  readonly errorMessage?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Never answer: the client must time out or abort. */
  readonly hang?: boolean;
  /** Answer with the simulation responder (a queue entry can defer to it). */
  readonly simulate?: boolean;
  /** With logprobs asked for: value tokens get low probabilities, as from a model unsure of its answer. */
  readonly uncertain?: boolean;
  /** When streaming, the pause between chunks, so a client can stop part-way (the server's streamDelayMs otherwise). */
  readonly streamDelayMs?: number;
}

export type Responder = (request: ChatCompletionRequest, info: { readonly index: number }) => ScriptedReply | Promise<ScriptedReply>;

/** Builders for the replies and faults tests need most. */
export const reply = {
  json: (value: unknown, extra: Partial<ScriptedReply> = {}): ScriptedReply => ({ content: JSON.stringify(value), ...extra }),
  text: (content: string, extra: Partial<ScriptedReply> = {}): ScriptedReply => ({ content, ...extra }),
  /** JSON wrapped in prose and a ```json fence, as chatty models do. */
  fenced: (value: unknown): ScriptedReply => ({ content: `Here is the JSON you asked for:\n\`\`\`json\n${JSON.stringify(value, null, 2)}\n\`\`\`\nLet me know if you need changes.` }),
  /** JSON cut off after `fraction` of its characters, with finish_reason "length". */
  truncated: (value: unknown, fraction = 0.6): ScriptedReply => {
    const text = JSON.stringify(value);
    return { content: text.slice(0, Math.max(1, Math.floor(text.length * fraction))), finishReason: 'length' };
  },
  rateLimited: (wait: { retryAfterSeconds?: number | string; retryAfterMs?: number } = {}): ScriptedReply => ({
    status: 429,
    errorMessage: 'Rate limit reached (scripted)',
    headers: {
      ...(wait.retryAfterSeconds !== undefined ? { 'retry-after': String(wait.retryAfterSeconds) } : {}),
      ...(wait.retryAfterMs !== undefined ? { 'retry-after-ms': String(wait.retryAfterMs) } : {}),
    },
  }),
  serverError: (status = 500): ScriptedReply => ({ status, errorMessage: `The server had an error (scripted ${status})` }),
  hang: (): ScriptedReply => ({ hang: true }),
  refusal: (text = "I'm sorry, I can't help with that."): ScriptedReply => ({ content: null, refusal: text }),
  contentFilter: (): ScriptedReply => ({ content: '', finishReason: 'content_filter' }),
  simulate: (): ScriptedReply => ({ simulate: true }),
  /** With logprobs asked for, the value tokens come back improbable. */
  uncertain: (value: unknown): ScriptedReply => ({ content: JSON.stringify(value), uncertain: true }),
  /**
   * A JSON document that goes invalid part-way: an "@" right after the first comma past
   * `after` of its text, where no JSON value or key can start. Streamed with a pause between
   * chunks so a client checking the prefix can stop before the rest is sent.
   */
  goesInvalid: (value: unknown, { after = 0.3, streamDelayMs = 2 }: { after?: number; streamDelayMs?: number } = {}): ScriptedReply => {
    const text = JSON.stringify(value);
    const at = structuralCommaAfter(text, Math.floor(text.length * after));
    if (at < 0) throw new Error(`reply.goesInvalid: no comma outside a string after ${Math.round(after * 100)}% of the document`);
    return { content: `${text.slice(0, at + 1)}@${text.slice(at + 1)}`, streamDelayMs };
  },
} as const;

/** Index of the first comma at or after `from` that separates values (not inside a string), or -1. */
function structuralCommaAfter(text: string, from: number): number {
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === ',' && i >= from) return i;
  }
  return -1;
}

export interface ScriptedServerOptions {
  /** Delay before every answer. @default 0 */
  readonly latencyMs?: number;
  /** Answers calls the queue does not cover. @default simulation mode */
  readonly responder?: Responder;
  /** Cached prompt tokens to report on every call (a reply's own cachedTokens wins). */
  readonly cachedTokens?: (request: ChatCompletionRequest) => number;
  /** Embedding width when the request names no `dimensions`. @default 64 */
  readonly embeddingDimensions?: number;
  /** Ids served by GET /v1/models. */
  readonly models?: readonly string[];
  /** Pause between streamed chunks for every reply (a reply's own streamDelayMs wins). @default 0 */
  readonly streamDelayMs?: number;
}

/** What one streamed reply actually sent before it finished or the client went away. */
export interface StreamRecord {
  /** Index of the chat request (as in `requests`). */
  readonly request: number;
  /** Content tokens the full reply has. */
  readonly plannedTokens: number;
  /** Content tokens written before the end or the client's disconnect. */
  sentTokens: number;
  /** The client closed the connection before the last chunk. */
  closedEarly: boolean;
  finished: boolean;
}

export interface ScriptedServer {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  /** url + /v1: what OpenAI clients take as baseURL. */
  readonly baseURL: string;
  /** Every chat-completions body, in arrival order. */
  readonly requests: ChatCompletionRequest[];
  /**
   * Chat bodies whose whole 200 answer was sent, in the order they finished: what a provider bills.
   * A request whose client went away first (a killed worker) was never answered and is not here.
   */
  readonly answered: ChatCompletionRequest[];
  /** Every embeddings body, in arrival order. */
  readonly embeddingRequests: { model: string; input: string | string[]; dimensions?: number }[];
  /** Every streamed reply, with how much of it was sent. */
  readonly streams: StreamRecord[];
  /** Most chat requests ever open at once. */
  readonly maxInFlight: number;
  readonly inFlight: number;
  setResponder(responder: Responder): void;
  /** Queue replies (or per-call responders) for the next calls, in order. */
  enqueue(...replies: (ScriptedReply | Responder)[]): void;
  /** Scripts for the next batches created, in order (then: completed after one in-progress poll). */
  enqueueBatch(...scripts: BatchScript[]): void;
  /** Every batch created, with its status and how often it was polled. */
  readonly batches: readonly ScriptedBatch[];
  /** Calls to the files and batches endpoints (uploads, creates, retrieves, ...). */
  readonly batchCalls: Readonly<BatchCalls>;
  /** Forget recorded requests, the in-flight peak, the queue, files and batches, and restore the responder given at start. */
  reset(): void;
  close(): Promise<void>;
}

/** Plain-text view of a request's messages, for token counts and simulation. */
export function promptTextOf(request: ChatCompletionRequest): string {
  return request.messages.map((m) => contentText(m.content)).join('\n');
}

function contentText(content: ChatCompletionRequest['messages'][number]['content']): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => p.text ?? '').join('');
  return '';
}

/**
 * The schema a request asks for: response_format json_schema, vLLM's structured_outputs.json or
 * guided_json, llama.cpp's json_schema, or one embedded in the prompt for json_object mode.
 */
export function requestedSchema(request: ChatCompletionRequest): object | undefined {
  const rf = request.response_format;
  if (rf?.type === 'json_schema' && rf.json_schema?.schema) return rf.json_schema.schema;
  const extra = (request.structured_outputs as { json?: object } | undefined)?.json ?? request.guided_json ?? request.json_schema;
  if (extra && typeof extra === 'object') return extra;
  if (rf?.type !== 'json_object') return undefined;
  for (const m of [...request.messages].reverse()) {
    for (const block of contentText(m.content).matchAll(/```json\s*\n([\s\S]*?)```/g)) {
      try {
        const parsed = JSON.parse(block[1]);
        if (parsed && typeof parsed === 'object' && (parsed.type || parsed.properties)) return parsed;
      } catch {
        // Not a schema block; keep looking.
      }
    }
  }
  return undefined;
}

/**
 * Simulation mode: a schema-valid instance of whatever the request asks for, seeded by a hash of
 * the request so the same prompt always gets the same answer; plain text when no schema is asked.
 */
export const simulationResponder: Responder = (request) => {
  const schema = requestedSchema(request);
  const prompt = promptTextOf(request);
  const seed = hashSeed(`${request.model}\n${JSON.stringify(request.messages)}`);
  if (!schema) return { content: `Simulated reply: ${prompt.split(/\s+/).slice(0, 12).join(' ')}` };
  return { content: JSON.stringify(simulateFromSchema(schema, prompt, seed)) };
};

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** An OpenAI-style error body. */
export function errorBody(status: number, message: string): { error: { message: string; type: string; param: null; code: string } } {
  const type = status === 429 ? 'rate_limit_exceeded' : status >= 500 ? 'server_error' : 'invalid_request_error';
  return { error: { message, type, param: null, code: type } };
}

function sendError(res: ServerResponse, status: number, message: string, headers: Readonly<Record<string, string>> = {}): void {
  sendJson(res, status, errorBody(status, message), headers);
}

/** What one answered chat call carries, shared by the live (plain and streamed) and batch answers. */
interface CompletionParts {
  readonly id: string;
  readonly created: number;
  readonly content: string | null;
  readonly refusal: string | null;
  readonly finishReason: string;
  readonly usage: Record<string, unknown> | undefined;
  /** Per-token log-probabilities, when the request asked for them. */
  readonly logprobs: WireLogprob[] | undefined;
}

function completionParts(body: ChatCompletionRequest, scripted: ScriptedReply, cachedTokens: ScriptedServerOptions['cachedTokens'], index: number): CompletionParts {
  const content = scripted.content === undefined ? '' : scripted.content === null ? null : typeof scripted.content === 'string' ? scripted.content : JSON.stringify(scripted.content);
  const refusal = scripted.refusal ?? null;
  const promptTokens = countChatTokens(body.messages.map((m) => ({ role: m.role as 'user', content: contentText(m.content) })));
  const cached = Math.min(promptTokens, scripted.cachedTokens ?? cachedTokens?.(body) ?? 0);
  const completionTokens = countTokens(refusal ?? content ?? '');
  const usage =
    scripted.usage === false
      ? undefined
      : {
          prompt_tokens: promptTokens,
          completion_tokens: completionTokens,
          total_tokens: promptTokens + completionTokens,
          prompt_tokens_details: { cached_tokens: cached, audio_tokens: 0 },
          completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
        };
  const top = typeof body.top_logprobs === 'number' ? body.top_logprobs : 0;
  const logprobs = body.logprobs === true && content ? scriptedLogprobs(content, { uncertain: scripted.uncertain, top, seed: index }) : undefined;
  return { id: `chatcmpl-scripted-${++completionCounter}`, created: Math.floor(Date.now() / 1000), content, refusal, finishReason: scripted.finishReason ?? 'stop', usage, logprobs };
}

function completionBody(body: ChatCompletionRequest, p: CompletionParts): object {
  return {
    id: p.id,
    object: 'chat.completion',
    created: p.created,
    model: body.model,
    system_fingerprint: 'fp_scripted',
    choices: [{ index: 0, message: { role: 'assistant', content: p.content, refusal: p.refusal }, logprobs: p.logprobs ? { content: p.logprobs, refusal: null } : null, finish_reason: p.finishReason }],
    ...(p.usage ? { usage: p.usage } : {}),
  };
}

/** Deterministic unit vector for a text. */
function embed(text: string, dims: number): number[] {
  let a = hashSeed(text) || 1;
  const v = Array.from({ length: dims }, () => {
    a ^= a << 13;
    a ^= a >>> 17;
    a ^= a << 5;
    return ((a >>> 0) / 4294967296) * 2 - 1;
  });
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => x / norm);
}

let completionCounter = 0;

/**
 * An OpenAI-compatible server on 127.0.0.1 for tests and benchmarks: chat completions (plain and
 * SSE streaming), embeddings, the model list, and the files + batches endpoints of the Batch API,
 * with scripted replies, faults and real token usage.
 */
export async function startScriptedServer(options: ScriptedServerOptions = {}): Promise<ScriptedServer> {
  const { latencyMs = 0, embeddingDimensions = 64, models = ['gpt-4o-mini', 'gpt-4o'] } = options;
  // Usage is counted per request; building the encoder inside the first one would eat a client's timeout.
  warmTokenizer();
  let responder: Responder = options.responder ?? simulationResponder;
  const queue: (ScriptedReply | Responder)[] = [];
  const requests: ChatCompletionRequest[] = [];
  const answered: ChatCompletionRequest[] = [];
  const embeddingRequests: ScriptedServer['embeddingRequests'] = [];
  const streams: StreamRecord[] = [];
  const hung = new Set<ServerResponse>();
  let inFlight = 0;
  let maxInFlight = 0;
  let chatIndex = 0;

  const wait = (ms: number, res: ServerResponse) =>
    ms > 0
      ? new Promise<void>((resolve) => {
          // Unhooked when the timer fires: a streamed reply waits once per chunk.
          const onClose = () => {
            clearTimeout(t);
            resolve();
          };
          const t = setTimeout(() => {
            res.off('close', onClose);
            resolve();
          }, ms);
          res.once('close', onClose);
        })
      : Promise.resolve();

  /** The next chat call's scripted reply: a queued one first, else the responder; simulation filled in. */
  /** The next scripted reply and the request's index (which seeds its logprobs and stream chunking). */
  async function nextReply(body: ChatCompletionRequest): Promise<{ scripted: ScriptedReply; index: number }> {
    requests.push(body);
    const index = chatIndex++;
    const next = queue.shift() ?? responder;
    const scripted = typeof next === 'function' ? await next(body, { index }) : next;
    return { scripted: scripted.simulate ? { ...(await simulationResponder(body, { index })), ...scripted, simulate: false } : scripted, index };
  }

  /** One batch line answered like a live call (same queue, responder and usage), as status + body. */
  async function answerLine(body: ChatCompletionRequest): Promise<{ statusCode: number; body: object }> {
    if (!body || typeof body.model !== 'string' || !Array.isArray(body.messages)) return { statusCode: 400, body: errorBody(400, 'body must have a string "model" and a "messages" array') };
    const { scripted, index } = await nextReply(body);
    // A batch line cannot hang: the closest a batch comes is a request that timed out.
    if (scripted.hang) return { statusCode: 504, body: errorBody(504, 'the request timed out (scripted hang)') };
    if (scripted.status && scripted.status >= 300) return { statusCode: scripted.status, body: errorBody(scripted.status, scripted.errorMessage ?? `scripted ${scripted.status}`) };
    return { statusCode: 200, body: completionBody(body, completionParts(body, scripted, options.cachedTokens, index)) };
  }

  async function chat(body: ChatCompletionRequest, res: ServerResponse): Promise<void> {
    if (!body || typeof body.model !== 'string' || !Array.isArray(body.messages)) {
      return sendError(res, 400, 'body must have a string "model" and a "messages" array');
    }
    const { scripted, index } = await nextReply(body);
    await wait(latencyMs + (scripted.latencyMs ?? 0), res);
    if (res.destroyed || res.writableEnded) return;
    if (scripted.hang) {
      hung.add(res);
      res.once('close', () => hung.delete(res));
      return;
    }
    if (scripted.status && scripted.status >= 300) return sendError(res, scripted.status, scripted.errorMessage ?? `scripted ${scripted.status}`, scripted.headers);

    const parts = completionParts(body, scripted, options.cachedTokens, index);
    const { id, created, content, refusal, usage, finishReason, logprobs } = parts;
    if (body.stream) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', ...scripted.headers });
      const send = (choices: unknown[], extra: object = {}) => res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: body.model, system_fingerprint: 'fp_scripted', choices, ...extra })}\n\n`);
      const text = refusal ?? content ?? '';
      const pieces = logprobs ? logprobs.map((l) => l.token) : tokenPieces(text);
      const record: StreamRecord = { request: index, plannedTokens: pieces.length, sentTokens: 0, closedEarly: false, finished: false };
      streams.push(record);
      const delay = scripted.streamDelayMs ?? options.streamDelayMs ?? 0;
      let clientGone = false;
      res.once('close', () => {
        if (!res.writableEnded) clientGone = true;
      });
      send([{ index: 0, delta: { role: 'assistant', content: '', ...(refusal ? { refusal: '' } : {}) }, logprobs: null, finish_reason: null }]);
      // One to three tokens a chunk, like real servers; seeded so a test sees the same chunks every time.
      const random = mulberry32(hashSeed(text) ^ index);
      for (let i = 0; i < pieces.length; ) {
        if (delay > 0) await wait(delay, res);
        if (clientGone || res.destroyed) {
          record.closedEarly = true;
          return;
        }
        const n = 1 + Math.floor(random() * 3);
        const piece = pieces.slice(i, i + n).join('');
        const chunkLogprobs: WireLogprob[] | undefined = logprobs?.slice(i, i + n);
        send([{ index: 0, delta: refusal ? { refusal: piece } : { content: piece }, logprobs: chunkLogprobs ? { content: chunkLogprobs, refusal: null } : null, finish_reason: null }]);
        i += n;
        record.sentTokens = Math.min(i, pieces.length);
      }
      send([{ index: 0, delta: {}, logprobs: null, finish_reason: finishReason }]);
      if (usage && body.stream_options?.include_usage) send([], { usage });
      res.end('data: [DONE]\n\n');
      record.finished = true;
      answered.push(body);
      return;
    }
    sendJson(res, 200, completionBody(body, parts), scripted.headers);
    answered.push(body);
  }

  function embeddings(body: { model?: unknown; input?: unknown; dimensions?: unknown; encoding_format?: unknown }, res: ServerResponse): void {
    const inputs = typeof body?.input === 'string' ? [body.input] : Array.isArray(body?.input) && body.input.every((x) => typeof x === 'string') ? (body.input as string[]) : undefined;
    if (typeof body?.model !== 'string' || !inputs) return sendError(res, 400, 'body must have a string "model" and "input" as a string or an array of strings');
    const dims = typeof body.dimensions === 'number' && body.dimensions > 0 ? body.dimensions : embeddingDimensions;
    embeddingRequests.push({ model: body.model, input: body.input as string | string[], ...(typeof body.dimensions === 'number' ? { dimensions: body.dimensions } : {}) });
    const tokens = inputs.reduce((n, t) => n + countTokens(t), 0);
    sendJson(res, 200, {
      object: 'list',
      model: body.model,
      // The OpenAI SDK asks for base64 (little-endian float32) by default and decodes it itself.
      data: inputs.map((t, index) => ({ object: 'embedding', index, embedding: body.encoding_format === 'base64' ? Buffer.from(new Float32Array(embed(t, dims)).buffer).toString('base64') : embed(t, dims) })),
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    });
  }

  const batchEndpoints = createBatchEndpoints(answerLine);

  const server = createServer(async (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    try {
      if (req.method === 'GET' && path === '/v1/models') {
        return sendJson(res, 200, { object: 'list', data: models.map((id) => ({ id, object: 'model', created: 0, owned_by: 'scripted' })) });
      }
      if (await batchEndpoints.handle(req, res, path, () => readBody(req))) return;
      if (req.method !== 'POST' || (path !== '/v1/chat/completions' && path !== '/v1/embeddings')) {
        return sendError(res, 404, `no route for ${req.method} ${path}`);
      }
      const raw = await readBody(req);
      let body: unknown;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        return sendError(res, 400, 'request body is not JSON');
      }
      if (path === '/v1/embeddings') return embeddings(body as never, res);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      let counted = true;
      const done = () => {
        if (counted) inFlight--;
        counted = false;
      };
      res.once('close', done);
      res.once('finish', done);
      await chat(body as ChatCompletionRequest, res);
    } catch (error) {
      if (!res.headersSent) sendError(res, 500, `scripted server bug: ${(error as Error).message}`);
    }
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    baseURL: `${url}/v1`,
    requests,
    answered,
    embeddingRequests,
    streams,
    get maxInFlight() {
      return maxInFlight;
    },
    get inFlight() {
      return inFlight;
    },
    setResponder(r) {
      responder = r;
    },
    enqueue(...replies) {
      queue.push(...replies);
    },
    enqueueBatch(...scripts) {
      batchEndpoints.enqueue(...scripts);
    },
    get batches() {
      return batchEndpoints.batches;
    },
    batchCalls: batchEndpoints.calls,
    reset() {
      batchEndpoints.reset();
      responder = options.responder ?? simulationResponder;
      requests.length = 0;
      answered.length = 0;
      embeddingRequests.length = 0;
      streams.length = 0;
      queue.length = 0;
      maxInFlight = inFlight;
      chatIndex = 0;
    },
    close() {
      for (const res of hung) res.destroy();
      hung.clear();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
