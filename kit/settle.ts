/**
 * Promise.all that waits for every task before it rethrows the first failure. A phase that fans
 * out (a cascade per theme) then never leaves siblings running, and paying, after it has failed,
 * and every sibling's request is seen before the phase reports (batch mode records them all in
 * one round instead of one per round).
 */
export async function allOrFirstError<T>(tasks: readonly Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(tasks);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
}
