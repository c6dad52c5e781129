import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ChatCompletionRequest } from './types.js';

/** How one scripted batch runs. Scripts are used in order, one per created batch; then the default. */
export interface BatchScript {
  /** Status polls answered "in_progress" before the batch finalizes. @default 1 */
  readonly inProgressPolls?: number;
  /**
   * How it ends. `completed`: every line answered. `expired`: the window closed after `answered`
   * lines; the rest go to the error file as batch_expired. `failed`: input validation failed, no
   * line ran (input that really is invalid fails the same way whatever the script says).
   * @default "completed"
   */
  readonly outcome?: 'completed' | 'expired' | 'failed';
  /** For `expired`: lines answered before the window closed. @default half of them */
  readonly answered?: number;
  /** For `failed`: the errors reported. @default one invalid_request error */
  readonly errors?: readonly { readonly code: string; readonly message: string; readonly line?: number }[];
}

/** One stored file (input, output or error), as the files API serves it. */
interface StoredFile {
  readonly id: string;
  readonly filename: string;
  readonly purpose: string;
  readonly createdAt: number;
  readonly content: string;
}

type BatchStatus = 'validating' | 'failed' | 'in_progress' | 'finalizing' | 'completed' | 'expired' | 'cancelling' | 'cancelled';

/** A batch as the server keeps it; `object()` is what the API returns. */
export interface ScriptedBatch {
  readonly id: string;
  readonly inputFileId: string;
  readonly metadata: Record<string, string> | null;
  status: BatchStatus;
  /** Status polls (GET /v1/batches/{id}) this batch has had. */
  polls: number;
}

interface BatchRecord extends ScriptedBatch {
  readonly script: BatchScript;
  readonly endpoint: string;
  readonly createdAt: number;
  readonly times: Partial<Record<'in_progress_at' | 'finalizing_at' | 'completed_at' | 'failed_at' | 'expired_at' | 'cancelling_at' | 'cancelled_at', number>>;
  outputFileId?: string;
  errorFileId?: string;
  errors?: { code: string; message: string; line: number | null; param: null }[];
  counts: { total: number; completed: number; failed: number };
  usage: { input_tokens: number; output_tokens: number; cached: number };
}

/** Calls the batch side of the server received, for tests that count uploads and resubmissions. */
export interface BatchCalls {
  uploads: number;
  creates: number;
  retrieves: number;
  cancels: number;
  lists: number;
  downloads: number;
}

export interface BatchEndpoints {
  /** Serves the request when it is a files or batches route; false otherwise. */
  handle(req: IncomingMessage, res: ServerResponse, path: string, body: () => Promise<Buffer>): Promise<boolean>;
  enqueue(...scripts: BatchScript[]): void;
  readonly batches: readonly ScriptedBatch[];
  readonly calls: BatchCalls;
  reset(): void;
}

interface LineAnswer {
  readonly statusCode: number;
  readonly body: object;
}

const TERMINAL: readonly BatchStatus[] = ['completed', 'failed', 'expired', 'cancelled'];
const now = () => Math.floor(Date.now() / 1000);
let counter = 0;
const nextId = (kind: string) => `${kind}-scripted-${++counter}`;

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const notFound = (res: ServerResponse, what: string) => send(res, 404, { error: { message: `No such ${what}`, type: 'invalid_request_error', param: null, code: null } });
const badRequest = (res: ServerResponse, message: string) => send(res, 400, { error: { message, type: 'invalid_request_error', param: null, code: null } });

/** Input-file problems the real API fails a batch for, with their 1-based line numbers. */
function validateInput(content: string, endpoint: string): { lines: { customId: string; body: ChatCompletionRequest }[]; errors: NonNullable<BatchRecord['errors']> } {
  const errors: NonNullable<BatchRecord['errors']> = [];
  const lines: { customId: string; body: ChatCompletionRequest }[] = [];
  const seen = new Set<string>();
  let model: string | undefined;
  content.split('\n').forEach((text, i) => {
    if (text.trim() === '') return;
    const line = i + 1;
    let parsed: { custom_id?: unknown; method?: unknown; url?: unknown; body?: { model?: unknown } };
    try {
      parsed = JSON.parse(text);
    } catch {
      errors.push({ code: 'invalid_json_line', message: 'This line is not parseable as valid JSON.', line, param: null });
      return;
    }
    if (typeof parsed.custom_id !== 'string') errors.push({ code: 'missing_required_parameter', message: 'Missing required parameter: custom_id.', line, param: null });
    else if (seen.has(parsed.custom_id)) errors.push({ code: 'duplicate_custom_id', message: `The custom_id for this request is a duplicate of another request: ${parsed.custom_id}.`, line, param: null });
    if (parsed.method !== 'POST') errors.push({ code: 'invalid_method', message: `The method must be POST, got ${String(parsed.method)}.`, line, param: null });
    if (parsed.url !== endpoint) errors.push({ code: 'mismatched_endpoint', message: `The url ${String(parsed.url)} does not match the batch endpoint ${endpoint}.`, line, param: null });
    const m = parsed.body?.model;
    if (typeof m === 'string' && model !== undefined && m !== model) errors.push({ code: 'mismatched_model', message: 'Every line of a batch must use the same model.', line, param: null });
    if (typeof m === 'string') model ??= m;
    if (typeof parsed.custom_id === 'string') {
      seen.add(parsed.custom_id);
      lines.push({ customId: parsed.custom_id, body: parsed.body as ChatCompletionRequest });
    }
  });
  if (lines.length === 0 && errors.length === 0) errors.push({ code: 'empty_file', message: 'The input file has no requests.', line: null, param: null });
  return { lines, errors };
}

/**
 * The OpenAI files and batches endpoints, on the scripted server: uploads (multipart, purpose
 * "batch"), file content, batch create/get/list/cancel. A batch advances one status per poll
 * (validating → in_progress ×N → finalizing → terminal) and answers its lines, when it
 * finalizes, through `answer`: the same queue, responder and usage counting as live calls.
 */
export function createBatchEndpoints(answer: (body: ChatCompletionRequest) => Promise<LineAnswer>): BatchEndpoints {
  const files = new Map<string, StoredFile>();
  const batches = new Map<string, BatchRecord>();
  const scripts: BatchScript[] = [];
  const calls: BatchCalls = { uploads: 0, creates: 0, retrieves: 0, cancels: 0, lists: 0, downloads: 0 };

  const store = (filename: string, purpose: string, content: string): StoredFile => {
    const file = { id: nextId('file'), filename, purpose, createdAt: now(), content };
    files.set(file.id, file);
    return file;
  };

  const fileObject = (f: StoredFile) => ({ id: f.id, object: 'file', bytes: Buffer.byteLength(f.content), created_at: f.createdAt, filename: f.filename, purpose: f.purpose, status: 'processed', status_details: null });

  const batchObject = (b: BatchRecord) => ({
    id: b.id,
    object: 'batch',
    endpoint: b.endpoint,
    errors: b.errors ? { object: 'list', data: b.errors } : null,
    input_file_id: b.inputFileId,
    completion_window: '24h',
    status: b.status,
    output_file_id: b.outputFileId ?? null,
    error_file_id: b.errorFileId ?? null,
    created_at: b.createdAt,
    expires_at: b.createdAt + 24 * 3600,
    in_progress_at: b.times.in_progress_at ?? null,
    finalizing_at: b.times.finalizing_at ?? null,
    completed_at: b.times.completed_at ?? null,
    failed_at: b.times.failed_at ?? null,
    expired_at: b.times.expired_at ?? null,
    cancelling_at: b.times.cancelling_at ?? null,
    cancelled_at: b.times.cancelled_at ?? null,
    request_counts: b.counts,
    usage: {
      input_tokens: b.usage.input_tokens,
      input_tokens_details: { cached_tokens: b.usage.cached },
      output_tokens: b.usage.output_tokens,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: b.usage.input_tokens + b.usage.output_tokens,
    },
    metadata: b.metadata,
  });

  /** Runs the lines the batch gets to, and writes its output and error files. */
  async function finish(b: BatchRecord, end: 'completed' | 'expired' | 'cancelled'): Promise<void> {
    const { lines } = validateInput(files.get(b.inputFileId)!.content, b.endpoint);
    const answeredCount = end === 'completed' ? lines.length : end === 'expired' ? Math.min(lines.length, b.script.answered ?? Math.floor(lines.length / 2)) : 0;
    const output: string[] = [];
    const errors: string[] = [];
    for (const [i, { customId, body }] of lines.entries()) {
      const id = `batch_req_${b.id}_${i}`;
      if (i >= answeredCount) {
        const [code, message] = end === 'expired' ? ['batch_expired', 'This request could not be executed before the completion window expired.'] : ['batch_cancelled', 'This request was not executed because the batch was cancelled.'];
        errors.push(JSON.stringify({ id, custom_id: customId, response: null, error: { code, message } }));
        b.counts.failed++;
        continue;
      }
      const a = await answer(body);
      const line = JSON.stringify({ id, custom_id: customId, response: { status_code: a.statusCode, request_id: `req_${b.id}_${i}`, body: a.body }, error: null });
      if (a.statusCode === 200) {
        output.push(line);
        b.counts.completed++;
        const u = (a.body as { usage?: { prompt_tokens: number; completion_tokens: number; prompt_tokens_details?: { cached_tokens?: number } } }).usage;
        if (u) {
          b.usage.input_tokens += u.prompt_tokens;
          b.usage.output_tokens += u.completion_tokens;
          b.usage.cached += u.prompt_tokens_details?.cached_tokens ?? 0;
        }
      } else {
        errors.push(line);
        b.counts.failed++;
      }
    }
    if (output.length) b.outputFileId = store(`${b.id}_output.jsonl`, 'batch_output', output.join('\n') + '\n').id;
    if (errors.length) b.errorFileId = store(`${b.id}_error.jsonl`, 'batch_output', errors.join('\n') + '\n').id;
    b.status = end;
    b.times[`${end}_at`] = now();
  }

  /** One poll's worth of progress. */
  async function advance(b: BatchRecord): Promise<void> {
    b.polls++;
    if (TERMINAL.includes(b.status)) return;
    if (b.status === 'cancelling') return finish(b, 'cancelled');
    if (b.status === 'validating') {
      const { errors } = validateInput(files.get(b.inputFileId)!.content, b.endpoint);
      const scriptedErrors = b.script.outcome === 'failed' ? (b.script.errors ?? [{ code: 'invalid_request', message: 'The batch failed validation (scripted).' }]) : [];
      if (errors.length || scriptedErrors.length) {
        b.errors = [...errors, ...scriptedErrors.map((e) => ({ code: e.code, message: e.message, line: e.line ?? null, param: null }))];
        b.status = 'failed';
        b.times.failed_at = now();
        return;
      }
      b.status = 'in_progress';
      b.times.in_progress_at = now();
      return;
    }
    if (b.status === 'in_progress') {
      // The poll that moved it out of validating was the first to see it in progress.
      if (b.polls <= Math.max(1, b.script.inProgressPolls ?? 1)) return;
      b.status = 'finalizing';
      b.times.finalizing_at = now();
      return;
    }
    if (b.status === 'finalizing') return finish(b, b.script.outcome === 'expired' ? 'expired' : 'completed');
  }

  async function upload(req: IncomingMessage, raw: Buffer, res: ServerResponse): Promise<void> {
    const type = req.headers['content-type'] ?? '';
    if (!type.startsWith('multipart/form-data')) return badRequest(res, 'files must be uploaded as multipart/form-data');
    // undici (Node's fetch) parses multipart bodies; no hand-written parser.
    const form = await new Request('http://scripted/upload', { method: 'POST', headers: { 'content-type': type }, body: raw }).formData();
    const file = form.get('file');
    const purpose = form.get('purpose');
    if (!(file instanceof Blob) || typeof purpose !== 'string') return badRequest(res, 'an upload needs "file" and "purpose"');
    calls.uploads++;
    send(res, 200, fileObject(store((file as File).name ?? 'upload.jsonl', purpose, await file.text())));
  }

  async function create(raw: Buffer, res: ServerResponse): Promise<void> {
    let body: { input_file_id?: string; endpoint?: string; completion_window?: string; metadata?: Record<string, string> | null };
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return badRequest(res, 'request body is not JSON');
    }
    const input = body.input_file_id ? files.get(body.input_file_id) : undefined;
    if (!input) return badRequest(res, `No such file: ${body.input_file_id}`);
    if (input.purpose !== 'batch') return badRequest(res, `File ${input.id} has purpose ${input.purpose}, not batch`);
    if (body.endpoint !== '/v1/chat/completions') return badRequest(res, `endpoint ${body.endpoint} is not served by the scripted server`);
    if (body.completion_window !== '24h') return badRequest(res, 'completion_window must be "24h"');
    calls.creates++;
    const total = validateInput(input.content, body.endpoint).lines.length;
    const b: BatchRecord = {
      id: nextId('batch'),
      inputFileId: input.id,
      endpoint: body.endpoint,
      metadata: body.metadata ?? null,
      status: 'validating',
      polls: 0,
      script: scripts.shift() ?? {},
      createdAt: now(),
      times: {},
      counts: { total, completed: 0, failed: 0 },
      usage: { input_tokens: 0, output_tokens: 0, cached: 0 },
    };
    batches.set(b.id, b);
    send(res, 200, batchObject(b));
  }

  /** Routes one request; false when it is not a files or batches route. */
  async function route(req: IncomingMessage, res: ServerResponse, path: string, body: () => Promise<Buffer>): Promise<boolean> {
    const method = req.method ?? 'GET';
    const fileContent = /^\/v1\/files\/([^/]+)\/content$/.exec(path);
    const fileId = /^\/v1\/files\/([^/]+)$/.exec(path)?.[1];
    const batchId = /^\/v1\/batches\/([^/]+)$/.exec(path)?.[1];
    const cancelId = /^\/v1\/batches\/([^/]+)\/cancel$/.exec(path)?.[1];
    if (method === 'POST' && path === '/v1/files') {
      await upload(req, await body(), res);
    } else if (method === 'GET' && fileContent) {
      const f = files.get(fileContent[1]);
      if (!f) return notFound(res, `file: ${fileContent[1]}`), true;
      calls.downloads++;
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': Buffer.byteLength(f.content) });
      res.end(f.content);
    } else if (method === 'GET' && fileId) {
      const f = files.get(fileId);
      if (f) send(res, 200, fileObject(f));
      else notFound(res, `file: ${fileId}`);
    } else if (method === 'POST' && path === '/v1/batches') {
      await create(await body(), res);
    } else if (method === 'GET' && path === '/v1/batches') {
      calls.lists++;
      const data = [...batches.values()].reverse().map(batchObject);
      send(res, 200, { object: 'list', data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: false });
    } else if (method === 'GET' && batchId) {
      const b = batches.get(batchId);
      if (!b) return notFound(res, `batch: ${batchId}`), true;
      calls.retrieves++;
      await advance(b);
      send(res, 200, batchObject(b));
    } else if (method === 'POST' && cancelId) {
      const b = batches.get(cancelId);
      if (!b) return notFound(res, `batch: ${cancelId}`), true;
      calls.cancels++;
      if (TERMINAL.includes(b.status)) return badRequest(res, `Cannot cancel a batch with status ${b.status}.`), true;
      b.status = 'cancelling';
      b.times.cancelling_at = now();
      send(res, 200, batchObject(b));
    } else return false;
    return true;
  }

  return {
    handle: route,
    enqueue(...more) {
      scripts.push(...more);
    },
    get batches() {
      return [...batches.values()];
    },
    calls,
    reset() {
      files.clear();
      batches.clear();
      scripts.length = 0;
      for (const k of Object.keys(calls) as (keyof BatchCalls)[]) calls[k] = 0;
    },
  };
}
