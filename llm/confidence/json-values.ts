/**
 * Which characters of a JSON text belong to values: the inside of string values (not their
 * quotes, not keys), numbers, and true/false/null. Everything else — keys, quotes, brackets,
 * colons, commas, whitespace, and prose or fences around the JSON — is structure.
 *
 * A small forgiving scanner rather than a parser: model replies can be truncated or wrapped in
 * prose, and the classification should still cover what is there.
 */
export function jsonValueMask(text: string): Uint8Array {
  const mask = new Uint8Array(text.length);
  // Containers open at this point: '{' or '['. An object expects a key after '{' or ','.
  const stack: ('{' | '[')[] = [];
  let expectingKey = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      const isKey = expectingKey && stack.at(-1) === '{';
      const end = closingQuote(text, i + 1);
      if (!isKey) mask.fill(1, i + 1, end);
      expectingKey = false;
      i = end + 1;
      continue;
    }
    if (c === '{' || c === '[') {
      stack.push(c);
      expectingKey = c === '{';
    } else if (c === '}' || c === ']') {
      stack.pop();
      expectingKey = false;
    } else if (c === ',') {
      expectingKey = stack.at(-1) === '{';
    } else if (stack.length > 0 && /[-0-9tfn]/.test(c)) {
      // A number or a literal: mark the run of characters that can belong to it.
      const run = /^(?:-?[0-9][0-9.eE+-]*|true|false|null)/.exec(text.slice(i, i + 400));
      if (run) {
        mask.fill(1, i, i + run[0].length);
        i += run[0].length;
        continue;
      }
    }
    i++;
  }
  return mask;
}

/** Index of the quote closing a string whose content starts at `from`, or text.length if it never closes. */
function closingQuote(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  return text.length;
}
