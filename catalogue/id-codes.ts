/**
 * Dense integer codes for string ids, in order of first sight: the compressed lists behind
 * co-purchase and user neighbours index typed arrays by code rather than maps by id.
 */
export interface IdCodes {
  /** id → code, for ids seen so far. */
  readonly code: ReadonlyMap<string, number>;
  /** code → id. */
  readonly ids: readonly string[];
  /** The id's code, giving it the next one on first sight. */
  codeOf(id: string): number;
}

export function idCodes(): IdCodes {
  const code = new Map<string, number>();
  const ids: string[] = [];
  return {
    code,
    ids,
    codeOf(id) {
      let c = code.get(id);
      if (c === undefined) {
        c = ids.length;
        code.set(id, c);
        ids.push(id);
      }
      return c;
    },
  };
}
