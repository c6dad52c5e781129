import { randomUUID } from 'node:crypto';
import { mkdir, open, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Most buffers one writev takes (IOV_MAX is 1024 on Linux and macOS). */
const IOV_MAX = 1024;

/** Writes every byte of `parts` to a new file at `path`, a writev per IOV_MAX parts (a short write goes on where it stopped). */
async function writeParts(path: string, parts: readonly Uint8Array[]): Promise<void> {
  const fh = await open(path, 'w');
  try {
    for (let i = 0; i < parts.length; i += IOV_MAX) {
      let batch = parts.slice(i, i + IOV_MAX).filter((p) => p.byteLength > 0);
      while (batch.length) {
        let { bytesWritten } = await fh.writev(batch);
        let k = 0;
        while (k < batch.length && bytesWritten >= batch[k].byteLength) bytesWritten -= batch[k++].byteLength;
        batch = batch.slice(k);
        if (batch.length && bytesWritten > 0) batch[0] = batch[0].subarray(bytesWritten);
      }
    }
  } finally {
    await fh.close();
  }
}

const put = (path: string, data: string | readonly Uint8Array[]): Promise<void> => (typeof data === 'string' ? writeFile(path, data) : writeParts(path, data));

/**
 * Writes `data` (text, or its UTF-8 bytes in parts, written in order without joining them) to
 * `path` so a reader sees the old file or the new one, never half of one: a temp file beside it,
 * then a rename. The directory is made only when the write finds it missing, so the common case
 * (it exists: every artefact and manifest write after the first) costs no mkdir. A failure (a full
 * disk, a directory that is a file) names what was being written — the system's own message for
 * a failed write does not — and leaves no temp file.
 */
export async function writeAtomically(path: string, data: string | readonly Uint8Array[], what: string): Promise<void> {
  const tmp = `${path}.${randomUUID()}.tmp`;
  try {
    try {
      await put(tmp, data);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      await mkdir(dirname(path), { recursive: true });
      await put(tmp, data);
    }
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw new Error(`could not write ${what}: ${(e as Error).message}`, { cause: e });
  }
}
