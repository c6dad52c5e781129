import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import OpenAI, { toFile } from 'openai';
import type { Batch } from 'openai/resources/batches';
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../../base/clock.js';
import { roleUnavailableReason, type HubgenConfig, type Role } from '../../config/config.js';
import { batchPrices } from '../cost.js';
import { BatchStateMismatchError } from '../errors/batch-state-mismatch-error.js';
import { RoleNotCallableError } from '../errors/role-not-callable-error.js';
import { addUsage, ZERO_USAGE, type Usage } from '../usage.js';
import { chunkRequests, jsonlDigest, prepareBatchRequest, toJsonl, type BatchRequest, type PreparedRequest } from './lines.js';
import { outcomeOf, parseJsonl, type BatchOutcome, type BatchOutputLine } from './results.js';
import { FileBatchStateStore, type BatchChunkState, type BatchJobState, type BatchStateStore } from './state.js';

export interface BatchRunnerOptions {
  readonly logger: Logger;
  /** Where API keys are read from (by the provider's apiKeyEnv). @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** The fetch the OpenAI client uses (tests, proxies), as for the model registry. */
  readonly fetch?: typeof fetch;
  readonly clock?: Clock;
  /** Where job records live. @default one JSON file per job under <workDir>/batches */
  readonly state?: BatchStateStore;
  /** Overrides config.batch.pollIntervalMs (tests). */
  readonly pollIntervalMs?: number;
}

export interface RunBatchOptions {
  /** Stops waiting (the batches go on at the provider; run again with the same job key to resume). */
  readonly signal?: AbortSignal;
}

/** One provider batch of a job, as it ended. */
export interface BatchSummary {
  readonly id: string;
  readonly status: Batch['status'];
  readonly requests: number;
  readonly completed: number;
  readonly failed: number;
}

export interface BatchRun<T> {
  /** One per request, in request order. */
  readonly outcomes: readonly BatchOutcome<T>[];
  readonly batches: readonly BatchSummary[];
  /** Everything billed (ok and invalid lines), at batch prices. */
  readonly usage: Usage;
  /** True when batches an earlier process submitted were picked up instead of submitting again. */
  readonly resumed: boolean;
}

export interface BatchRunner {
  /**
   * Sends `requests` for `role` through the Batch API and waits for them: builds the JSONL,
   * uploads it, creates the batch(es), polls until each ends, downloads the output and error
   * files and reads every line with the live path's rules. A job key seen before resumes its
   * batches (polling, or re-reading results already there) and never submits them again.
   */
  run<T>(jobKey: string, role: Role, requests: readonly BatchRequest[], options?: RunBatchOptions): Promise<BatchRun<T>>;
  /** Asks the provider to cancel a job's batches still running; run() then reports their unrun lines as failed. */
  cancel(jobKey: string): Promise<void>;
  /** Drops a job's record once its results are stored; the same key then submits afresh. */
  forget(jobKey: string): Promise<void>;
}

const TERMINAL: readonly Batch['status'][] = ['completed', 'failed', 'expired', 'cancelled'];
const PLACEHOLDER_API_KEY = 'hubgen-no-key';

/** Why a request with no line in either file was never answered, by how its batch ended. */
function missingReason(b: Batch): { code: string; message: string } {
  if (b.status === 'failed') {
    const errors = b.errors?.data ?? [];
    return { code: errors[0]?.code ?? 'batch_failed', message: `batch ${b.id} failed: ${errors.map((e) => `${e.message ?? e.code}${e.line ? ` (line ${e.line})` : ''}`).join('; ') || 'no reason given'}` };
  }
  return { code: `batch_${b.status}`, message: `batch ${b.id} ended ${b.status} without a line for this request` };
}

export function createBatchRunner(config: HubgenConfig, options: BatchRunnerOptions): BatchRunner {
  const { logger, clock = systemClock } = options;
  const env = options.env ?? process.env;
  const log = logger.child({ component: 'batch' });
  const state = options.state ?? new FileBatchStateStore(resolve(config.workDir, 'batches'));
  const pollIntervalMs = options.pollIntervalMs ?? config.batch.pollIntervalMs;
  const prices = batchPrices(config.prices, config.batch.discount);
  const clients = new Map<string, OpenAI>();

  function bindingOf(role: Role) {
    const why = roleUnavailableReason(config, role, env);
    if (why) throw new RoleNotCallableError(role, why);
    const binding = config.roles[role]!;
    const provider = config.providers[binding.provider];
    if (provider.kind !== 'openai') throw new RoleNotCallableError(role, `it is bound to provider "${binding.provider}" of kind "${provider.kind}", which has no Batch API`);
    return { binding, provider, providerName: binding.provider };
  }

  function clientFor(providerName: string): OpenAI {
    let client = clients.get(providerName);
    if (!client) {
      const provider = config.providers[providerName];
      const apiKey = (provider.apiKeyEnv ? env[provider.apiKeyEnv] : undefined) || PLACEHOLDER_API_KEY;
      client = new OpenAI({ apiKey, baseURL: provider.baseURL, maxRetries: provider.limits?.maxRetries ?? 3, ...(options.fetch ? { fetch: options.fetch } : {}) });
      clients.set(providerName, client);
    }
    return client;
  }

  /** Creates the batch without the SDK's retries: a retried create that had in fact succeeded would pay twice. */
  async function createBatch(client: OpenAI, jobKey: string, chunk: BatchChunkState, signal?: AbortSignal): Promise<string> {
    const metadata = { hubgen_job: jobKey.slice(0, 512), hubgen_chunk: String(chunk.index), hubgen_digest: chunk.digest.slice(0, 64) };
    try {
      return (await client.batches.create({ input_file_id: chunk.inputFileId!, endpoint: '/v1/chat/completions', completion_window: '24h', metadata }, { maxRetries: 0, signal })).id;
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      // The request may have reached the provider before the connection broke: look for it.
      const existing = await findBatch(client, chunk, metadata, signal);
      if (existing) return existing;
      throw error;
    }
  }

  async function findBatch(client: OpenAI, chunk: BatchChunkState, metadata: Record<string, string>, signal?: AbortSignal): Promise<string | undefined> {
    let seen = 0;
    for await (const b of client.batches.list({ limit: 100 }, { signal })) {
      if (b.input_file_id === chunk.inputFileId && b.metadata?.hubgen_job === metadata.hubgen_job && b.metadata?.hubgen_chunk === metadata.hubgen_chunk) return b.id;
      if (++seen >= 1000) break;
    }
    return undefined;
  }

  /** Uploads and creates what the record does not have yet, saving the record after each step. */
  async function submit(client: OpenAI, job: BatchJobState, chunks: readonly PreparedRequest[][], signal?: AbortSignal): Promise<BatchJobState> {
    for (const chunk of job.chunks) {
      if (chunk.batchId) continue;
      let current = chunk;
      if (!current.inputFileId) {
        const file = await client.files.create({ file: await toFile(Buffer.from(toJsonl(chunks[chunk.index])), `${job.jobKey.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60)}-${chunk.index}.jsonl`), purpose: 'batch' }, { signal });
        current = { ...current, inputFileId: file.id };
        job = withChunk(job, current);
        await state.put(job);
      }
      current = { ...current, batchId: await createBatch(client, job.jobKey, current, signal) };
      job = withChunk(job, current);
      await state.put(job);
      log.info({ jobKey: job.jobKey, batch: current.batchId, requests: current.customIds.length }, 'batch submitted');
    }
    return job;
  }

  async function waitForAll(client: OpenAI, job: BatchJobState, signal?: AbortSignal): Promise<Map<string, Batch>> {
    const ended = new Map<string, Batch>();
    const lastStatus = new Map<string, string>();
    for (;;) {
      for (const chunk of job.chunks) {
        if (ended.has(chunk.batchId!)) continue;
        const b = await client.batches.retrieve(chunk.batchId!, { signal });
        if (lastStatus.get(b.id) !== b.status) {
          log.info({ jobKey: job.jobKey, batch: b.id, status: b.status, counts: b.request_counts }, 'batch status');
          lastStatus.set(b.id, b.status);
        }
        if (TERMINAL.includes(b.status)) ended.set(b.id, b);
      }
      if (ended.size === job.chunks.length) return ended;
      await sleep(pollIntervalMs, undefined, { signal });
    }
  }

  async function linesOf(client: OpenAI, b: Batch, signal?: AbortSignal): Promise<Map<string, BatchOutputLine>> {
    const byId = new Map<string, BatchOutputLine>();
    // Error file first, then output: a request in both (a retried line) counts as answered.
    for (const [fileId, what] of [
      [b.error_file_id, `error file of ${b.id}`],
      [b.output_file_id, `output file of ${b.id}`],
    ] as const) {
      if (!fileId) continue;
      const text = await (await client.files.content(fileId, { signal })).text();
      for (const line of parseJsonl(text, what)) byId.set(line.custom_id, line);
    }
    return byId;
  }

  return {
    async run<T>(jobKey: string, role: Role, requests: readonly BatchRequest[], runOptions: RunBatchOptions = {}): Promise<BatchRun<T>> {
      const { signal } = runOptions;
      const { binding, provider, providerName } = bindingOf(role);
      const ids = new Set<string>();
      for (const r of requests) {
        if (ids.has(r.customId)) throw new RangeError(`custom_id "${r.customId}" appears twice in batch job "${jobKey}"; results are matched by it`);
        ids.add(r.customId);
      }
      if (requests.length === 0) return { outcomes: [], batches: [], usage: ZERO_USAGE, resumed: false };

      const settings = {
        model: binding.model,
        temperature: binding.temperature,
        maxOutputTokens: binding.maxOutputTokens,
        structuredOutputs: provider.structuredOutputs ?? true,
        // The same dialect the live path decodes in, so a batch line constrains what a live call would.
        decoding: { dialect: provider.constrainedDecoding?.dialect ?? 'openai', unsupportedKeywords: provider.constrainedDecoding?.unsupportedKeywords, provider: `provider "${binding.provider}"` },
      };
      const prepared = requests.map((r) => prepareBatchRequest(r, settings));
      const chunks = chunkRequests(prepared, { maxRequests: config.batch.maxRequestsPerBatch });
      const digest = jsonlDigest(toJsonl(prepared));
      const client = clientFor(providerName);

      let job = await state.get(jobKey);
      const resumed = job !== undefined;
      if (job && (job.digest !== digest || job.model !== binding.model || job.provider !== providerName)) {
        throw new BatchStateMismatchError(jobKey, state.describe(jobKey), job.chunks.flatMap((c) => (c.batchId ? [c.batchId] : [])));
      }
      if (!job) {
        job = {
          version: 1,
          jobKey,
          provider: providerName,
          model: binding.model,
          digest,
          createdAt: new Date(clock.now()).toISOString(),
          chunks: chunks.map((c, index) => ({ index, customIds: c.map((p) => p.request.customId), digest: jsonlDigest(toJsonl(c)) })),
        };
        await state.put(job);
      } else {
        log.info({ jobKey, batches: job.chunks.map((c) => c.batchId ?? '(not created yet)') }, 'resuming batch job submitted earlier');
      }
      // The OpenAI client reports any abort as "Request was aborted."; callers stop on the signal's own
      // reason (SIGTERM, a deadline), so surface that whichever request the abort happened to interrupt.
      const onAbort = (e: unknown): never => {
        throw signal?.aborted ? signal.reason : e;
      };
      job = await submit(client, job, chunks, signal).catch(onAbort);
      const ended = await waitForAll(client, job, signal).catch(onAbort);

      const outcomes: BatchOutcome<T>[] = [];
      const summaries: BatchSummary[] = [];
      for (const chunk of job.chunks) {
        const b = ended.get(chunk.batchId!)!;
        const lines = await linesOf(client, b, signal).catch(onAbort);
        const endedAt = b.completed_at ?? b.expired_at ?? b.cancelled_at ?? b.failed_at ?? Math.floor(clock.now() / 1000);
        const ctx = { model: binding.model, prices, latencyMs: Math.max(0, endedAt - b.created_at) * 1000, missing: missingReason(b) };
        for (const p of chunks[chunk.index]) outcomes.push(outcomeOf<T>(p, lines.get(p.request.customId), ctx));
        summaries.push({ id: b.id, status: b.status, requests: chunk.customIds.length, completed: b.request_counts?.completed ?? 0, failed: b.request_counts?.failed ?? 0 });
        if (b.status !== 'completed') log.warn({ jobKey, batch: b.id, status: b.status, counts: b.request_counts }, 'batch ended without answering every request; those are reported as failed');
      }
      const billed = outcomes.flatMap((o) => (o.status === 'ok' ? [o.result.usage] : o.status === 'invalid' ? [o.error.usage] : []));
      return { outcomes, batches: summaries, usage: billed.length ? addUsage(...billed) : ZERO_USAGE, resumed };
    },

    async cancel(jobKey) {
      const job = await state.get(jobKey);
      if (!job) return;
      const client = clientFor(job.provider);
      for (const c of job.chunks) {
        if (!c.batchId) continue;
        const b = await client.batches.retrieve(c.batchId);
        if (!TERMINAL.includes(b.status) && b.status !== 'cancelling') await client.batches.cancel(c.batchId);
      }
    },

    forget: (jobKey) => state.delete(jobKey),
  };
}

function withChunk(job: BatchJobState, chunk: BatchChunkState): BatchJobState {
  return { ...job, chunks: job.chunks.map((c) => (c.index === chunk.index ? chunk : c)) };
}
