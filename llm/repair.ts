/**
 * Mechanical repairs for model output that is almost right. Each is safe on its own terms:
 * the caller always re-validates, and a repair that does not then validate is discarded.
 */

/** Strips ``` fences and prose around the outermost JSON value; undefined when there is no JSON-looking value. */
export function extractJsonText(text: string): string | undefined {
  const fenced = /```(?:json|JSON)?\s*\n?([\s\S]*?)(?:```|$)/.exec(text);
  const body = fenced ? fenced[1] : text;
  const start = body.search(/[[{]/);
  if (start < 0) return undefined;
  const end = matchingClose(body, start);
  // Unclosed: return everything from the start so truncation repair can take over.
  return (end < 0 ? body.slice(start) : body.slice(start, end + 1)).trim();
}

/** Index of the bracket closing the one at `start`, skipping strings; -1 if it never closes. */
function matchingClose(s: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < s.length; i++) {
    const c = s[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/**
 * Candidate completions of JSON cut off mid-way (finish_reason "length"), best first: cut back to
 * the end of the last complete value and close every open bracket. The caller keeps the first
 * candidate that both parses and validates, so a truncation that lost required data is rejected.
 */
export function closeTruncatedJson(text: string, maxCandidates = 8): string[] {
  const stack: string[] = [];
  // (cut index, closers) after each complete value inside a container.
  const cuts: { at: number; closers: string }[] = [];
  let inString = false;
  let stringIsKey = false;
  const closersNow = () => [...stack].reverse().join('');
  let expectingKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') {
        inString = false;
        if (!stringIsKey) cuts.push({ at: i + 1, closers: closersNow() });
      }
      continue;
    }
    if (c === '"') {
      inString = true;
      stringIsKey = expectingKey;
      expectingKey = false;
    } else if (c === '{') {
      stack.push('}');
      expectingKey = true;
    } else if (c === '[') {
      stack.push(']');
    } else if (c === '}' || c === ']') {
      stack.pop();
      cuts.push({ at: i + 1, closers: closersNow() });
    } else if (c === ',') {
      expectingKey = stack.at(-1) === '}';
    } else if (/[\d.eE+\-truefalsn]/.test(c) && !/[\d.eE+\-truefalsn]/.test(text[i + 1] ?? '')) {
      // End of a number or literal (only trustworthy if the text continues after it).
      if (i + 1 < text.length) cuts.push({ at: i + 1, closers: closersNow() });
    }
  }
  const out: string[] = [];
  // An unterminated string value: keep what arrived and close it.
  if (inString && !stringIsKey) out.push(text + '"' + closersNow());
  for (let k = cuts.length - 1; k >= 0 && out.length < maxCandidates; k--) {
    const { at, closers } = cuts[k];
    if (closers === '' && at < text.trimEnd().length) continue;
    out.push(text.slice(0, at) + closers);
  }
  return out;
}

export function tryParseJson(text: string): { ok: true; value: unknown } | { ok: false; error: Error } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, error: error as Error };
  }
}

type SchemaNode = {
  type?: string | string[];
  properties?: Record<string, SchemaNode>;
  additionalProperties?: boolean | SchemaNode;
  items?: SchemaNode;
};

const NUMERIC = /^\s*-?\d+(\.\d+)?([eE][+-]?\d+)?\s*$/;

/**
 * Fixes shapes models commonly get slightly wrong, as the schema directs: numeric strings where
 * a number or integer is wanted, "true"/"false" where a boolean is, and properties the schema
 * forbids. Returns a new value and whether anything changed.
 */
export function coerceToSchema(value: unknown, schema: object): { value: unknown; changed: boolean } {
  let changed = false;
  const walk = (v: unknown, s: SchemaNode | undefined): unknown => {
    if (!s || typeof s !== 'object') return v;
    const types = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
    if (typeof v === 'string' && !types.includes('string')) {
      if ((types.includes('number') || types.includes('integer')) && NUMERIC.test(v)) {
        const n = Number(v);
        if (types.includes('number') || Number.isInteger(n)) {
          changed = true;
          return n;
        }
      }
      if (types.includes('boolean') && (v === 'true' || v === 'false')) {
        changed = true;
        return v === 'true';
      }
    }
    if (Array.isArray(v)) return s.items ? v.map((x) => walk(x, s.items)) : v;
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        const propSchema = s.properties?.[k];
        if (!propSchema && s.additionalProperties === false) {
          changed = true;
          continue;
        }
        out[k] = walk(x, propSchema ?? (typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined));
      }
      return out;
    }
    return v;
  };
  const result = walk(value, schema as SchemaNode);
  return { value: result, changed };
}
