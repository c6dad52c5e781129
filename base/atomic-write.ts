import { randomUUID } from 'node:crypto';
import { mkdir, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Most buffers one writev takes (IOV_MAX is 1024 on Linux and macOS). */
const IOV_MAX = 1024;
/** A streamed write gathers chunks up to this many bytes before it writes them. */
const STREAM_BATCH_BYTES = 1 << 20;

/** What writeAtomically writes: text, its UTF-8 bytes in parts, or parts that are made as the write goes. */
export type AtomicData = string | readonly Uint8Array[] | AsyncIterable<Uint8Array>;

/** Writes every byte of `parts`, a writev per IOV_MAX parts (a short write goes on where it stopped). */
async function writeParts(fh: FileHandle, parts: readonly Uint8Array[]): Promise<void> {
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
}

/** Writes parts as they are made, a batch at a time, so a file far larger than memory can be written. */
async function writeStream(fh: FileHandle, chunks: AsyncIterable<Uint8Array>): Promise<void> {
  let batch: Uint8Array[] = [];
  let bytes = 0;
  for await (const chunk of chunks) {
    batch.push(chunk);
    bytes += chunk.byteLength;
    if (batch.length >= IOV_MAX || bytes >= STREAM_BATCH_BYTES) {
      await writeParts(fh, batch);
      batch = [];
      bytes = 0;
    }
  }
  await writeParts(fh, batch);
}

async function put(fh: FileHandle, data: AtomicData): Promise<void> {
  if (typeof data === 'string') await fh.writeFile(data);
  else if (Array.isArray(data)) await writeParts(fh, data);
  else await writeStream(fh, data as AsyncIterable<Uint8Array>);
}

/** A new file, making its directory only when the open finds it missing. */
async function create(path: string): Promise<FileHandle> {
  try {
    return await open(path, 'w');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    await mkdir(dirname(path), { recursive: true });
    return open(path, 'w');
  }
}

/**
 * Writes `data` (text, its UTF-8 bytes in parts written in order without joining them, or parts
 * made while it writes) to `path` so a reader sees the old file or the new one, never half of one:
 * a temp file beside it, then a rename. The directory is made only when the write finds it missing,
 * so the common case (it exists: every artefact and manifest write after the first) costs no mkdir.
 * A failure (a full disk, a directory that is a file, an error making the parts) names what was
 * being written — the system's own message for a failed write does not — and leaves no temp file.
 */
export async function writeAtomically(path: string, data: AtomicData, what: string): Promise<void> {
  const tmp = `${path}.${randomUUID()}.tmp`;
  try {
    const fh = await create(tmp);
    try {
      await put(fh, data);
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw new Error(`could not write ${what}: ${(e as Error).message}`, { cause: e });
  }
}
