import { randomUUID } from 'node:crypto';
import { mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Writes `text` to `path` so a reader sees the old file or the new one, never half of one: a temp
 * file beside it, then a rename. A failure (a full disk, a directory that is a file) names what was
 * being written — the system's own message for a failed write does not — and leaves no temp file.
 */
export async function writeAtomically(path: string, text: string, what: string): Promise<void> {
  const tmp = `${path}.${randomUUID()}.tmp`;
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(tmp, text);
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw new Error(`could not write ${what}: ${(e as Error).message}`, { cause: e });
  }
}
