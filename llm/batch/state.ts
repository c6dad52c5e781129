import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { sha256 } from '../../base/hash.js';

/** One submitted batch of a job: enough to find it again after a restart. */
export interface BatchChunkState {
  readonly index: number;
  /** The custom_ids it carries, in file order. */
  readonly customIds: readonly string[];
  readonly digest: string;
  /** Set once the input file is uploaded (a restart then reuses it). */
  readonly inputFileId?: string;
  /** Set once the batch exists (a restart then polls it instead of submitting again). */
  readonly batchId?: string;
}

/** What a job (one phase's requests for one role) has submitted so far. */
export interface BatchJobState {
  readonly version: 1;
  readonly jobKey: string;
  /** The provider (config name) and model the batches went to. */
  readonly provider: string;
  readonly model: string;
  /** Digest of all its input lines: a restart with other requests must not pick this job up. */
  readonly digest: string;
  readonly createdAt: string;
  readonly chunks: readonly BatchChunkState[];
}

/** Where job state lives between processes. */
export interface BatchStateStore {
  get(jobKey: string): Promise<BatchJobState | undefined>;
  put(state: BatchJobState): Promise<void>;
  delete(jobKey: string): Promise<void>;
  /** Where a job's record is, for messages. */
  describe(jobKey: string): string;
}

/** One small JSON file per job under `dir`, written atomically (temp file + rename). */
export class FileBatchStateStore implements BatchStateStore {
  constructor(readonly dir: string) {}

  pathOf(jobKey: string): string {
    const slug = jobKey.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80);
    return join(this.dir, `${slug}-${sha256(jobKey).slice(0, 12)}.json`);
  }

  describe(jobKey: string): string {
    return this.pathOf(jobKey);
  }

  async get(jobKey: string): Promise<BatchJobState | undefined> {
    try {
      const state = JSON.parse(await readFile(this.pathOf(jobKey), 'utf8')) as BatchJobState;
      return state.jobKey === jobKey ? state : undefined;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new Error(`batch state ${this.pathOf(jobKey)} is unreadable (${(e as Error).message}); delete it to submit the job again`, { cause: e });
    }
  }

  async put(state: BatchJobState): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const path = this.pathOf(state.jobKey);
    const tmp = `${path}.${randomUUID()}.tmp`;
    await writeFile(tmp, JSON.stringify(state, null, 1));
    await rename(tmp, path);
  }

  async delete(jobKey: string): Promise<void> {
    await rm(this.pathOf(jobKey), { force: true });
  }
}
