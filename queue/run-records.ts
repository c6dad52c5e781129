import type { Redis } from 'ioredis';
import type { UserRecord } from '../pipelines/manifest.js';
import { runKeys } from './keys.js';

/** What a queued run is, stored once when it is enqueued; workers read the budget from it. */
export interface RunMeta {
  readonly runId: string;
  readonly pipeline: string;
  readonly enqueuedAt: string;
  readonly users: number;
  readonly budgetUsd?: number;
  /** Digest of the config slices that shape pages: a worker whose own differs says so. */
  readonly configDigest: string;
}

/** One entry of a run's done list: a user's record landed, or the user was skipped for the budget. */
export type DoneEntry = { readonly userId: string; readonly record: UserRecord } | { readonly userId: string; readonly skipped: true };

// Both in one script so the waiter never sees a user in the done list without its record, and a
// record the waiter writes for a job BullMQ failed on its own never replaces one a worker wrote.
const RECORD_IF_ABSENT = `
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 then
  redis.call('RPUSH', KEYS[2], 'u:' .. ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
  return 1
end
return 0`;

type Scripts = Redis & { hubgenRecordIfAbsent(users: string, done: string, userId: string, json: string, ttlMs: number): Promise<number> };

/**
 * A run's per-user records in Redis, shared by every worker and the process waiting for the run.
 * Each user is one hash field, written whole in one command, so several workers finishing at once
 * never lose each other's updates; the done list orders them for the waiter.
 */
export class RunRecords {
  private readonly keys: ReturnType<typeof runKeys>;
  private readonly ttlMs: number;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    readonly runId: string,
    { keepDays = 14 }: { keepDays?: number } = {},
  ) {
    this.keys = runKeys(prefix, runId);
    this.ttlMs = Math.round(keepDays * 86_400_000);
    if (!('hubgenRecordIfAbsent' in redis)) redis.defineCommand('hubgenRecordIfAbsent', { numberOfKeys: 2, lua: RECORD_IF_ABSENT });
  }

  async putMeta(meta: RunMeta): Promise<void> {
    await this.redis.set(this.keys.meta, JSON.stringify(meta), 'PX', this.ttlMs);
  }

  async meta(): Promise<RunMeta | undefined> {
    const text = await this.redis.get(this.keys.meta);
    return text ? (JSON.parse(text) as RunMeta) : undefined;
  }

  /** Stores a user's record (replacing an earlier attempt's) and adds what it paid to the run's spend. */
  async record(record: UserRecord, spentUsd = 0): Promise<void> {
    const { users, done, spent } = this.keys;
    const m = this.redis.multi().hset(users, record.userId, JSON.stringify(record)).rpush(done, `u:${record.userId}`);
    if (spentUsd > 0) m.incrbyfloat(spent, spentUsd);
    for (const key of [users, done, spent]) m.pexpire(key, this.ttlMs);
    await m.exec();
  }

  /** Stores a record only if the user has none yet; true when it was stored. */
  async recordIfAbsent(record: UserRecord): Promise<boolean> {
    return (await (this.redis as Scripts).hubgenRecordIfAbsent(this.keys.users, this.keys.done, record.userId, JSON.stringify(record), this.ttlMs)) === 1;
  }

  async skip(userId: string): Promise<void> {
    await this.redis.multi().sadd(this.keys.skipped, userId).rpush(this.keys.done, `s:${userId}`).pexpire(this.keys.skipped, this.ttlMs).pexpire(this.keys.done, this.ttlMs).exec();
  }

  /**
   * Drops the failed records of users about to be tried again, so the done list's old entries for
   * them read as "no record yet" until the new attempt lands. Returns the users whose record was dropped.
   */
  async forgetFailed(userIds: readonly string[]): Promise<string[]> {
    const dropped: string[] = [];
    for (let i = 0; i < userIds.length; i += 1000) {
      const slice = userIds.slice(i, i + 1000);
      const texts = await this.redis.hmget(this.keys.users, ...slice);
      const failed = slice.filter((_, j) => texts[j] && (JSON.parse(texts[j]!) as UserRecord).status === 'failed');
      if (failed.length) await this.redis.hdel(this.keys.users, ...failed);
      dropped.push(...failed);
    }
    return dropped;
  }

  async get(userId: string): Promise<UserRecord | undefined> {
    const text = await this.redis.hget(this.keys.users, userId);
    return text ? (JSON.parse(text) as UserRecord) : undefined;
  }

  async spentUsd(): Promise<number> {
    return Number((await this.redis.get(this.keys.spent)) ?? 0);
  }

  /** Done entries from `offset` on, with their records; `next` is where to read from next time. */
  async readDone(offset: number): Promise<{ entries: DoneEntry[]; next: number }> {
    const ids = await this.redis.lrange(this.keys.done, offset, -1);
    if (!ids.length) return { entries: [], next: offset };
    const recorded = ids.filter((e) => e.startsWith('u:')).map((e) => e.slice(2));
    const texts = recorded.length ? await this.redis.hmget(this.keys.users, ...recorded) : [];
    const byUser = new Map(recorded.map((id, i) => [id, texts[i]]));
    const entries: DoneEntry[] = [];
    for (const e of ids) {
      const userId = e.slice(2);
      if (e.startsWith('s:')) entries.push({ userId, skipped: true });
      else {
        const text = byUser.get(userId);
        if (text) entries.push({ userId, record: JSON.parse(text) as UserRecord });
      }
    }
    return { entries, next: offset + ids.length };
  }
}
