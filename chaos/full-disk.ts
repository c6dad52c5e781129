import { spawnSync } from 'node:child_process';
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A small filesystem of its own that can be filled to the last byte: a real "no space left on device". */
export interface FullDisk {
  readonly dir: string;
  /** Fills what is left with a ballast file. */
  fill(): Promise<void>;
  /** Deletes the ballast: space again. */
  free(): Promise<void>;
  unmount(): Promise<void>;
}

/**
 * Mounts a tmpfs of `sizeKb` (needs the right to mount: root with CAP_SYS_ADMIN, as on this
 * project's machines). Undefined, with the reason, where mounting is not allowed: chmod cannot
 * stand in, since root writes through it.
 */
export async function mountFullDisk(sizeKb: number): Promise<FullDisk | { readonly unavailable: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'hubgen-chaos-disk-'));
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) {
    await rm(dir, { recursive: true, force: true });
    return { unavailable: `cannot mount a tmpfs to fill (${(r.stderr || r.error?.message || `exit ${r.status}`).trim()})` };
  }
  const ballast = join(dir, 'ballast');
  return {
    dir,
    async fill() {
      // Big first, then block by block until the filesystem says no: full to the last byte.
      const { bavail, bsize } = statfsSync(dir);
      await writeFile(ballast, Buffer.alloc(Math.max(0, bavail - 1) * bsize)).catch(() => {});
      for (;;) {
        try {
          await appendFile(ballast, Buffer.alloc(bsize));
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'ENOSPC') return;
          throw e;
        }
      }
    },
    free: () => rm(ballast, { force: true }),
    async unmount() {
      spawnSync('umount', [dir]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
