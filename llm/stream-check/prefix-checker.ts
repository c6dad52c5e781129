/**
 * An incremental checker for a JSON document as it streams: after each character it knows
 * whether the text so far can still become a document valid under the schema, and it rejects at
 * the first character that makes that impossible (an unknown key under additionalProperties:
 * false, a string past maxLength, an array past maxItems, a value of the wrong type, a closing
 * brace while a required key is missing, …).
 *
 * It must never reject a prefix of a document ajv would accept (that would abort a good reply),
 * so whatever it cannot decide on a prefix it leaves to the final ajv check: numbers are judged
 * when they end (an exponent can still bring 5 under a maximum of 1), patterns when the string
 * closes, and keywords like anyOf not at all (see `uncheckedKeywords`).
 */
import { ANY, compileCheckNode, type CheckNode, type JsonKind } from './check-node.js';

export type PrefixVerdict =
  | { readonly ok: true }
  | {
      readonly ok: false;
      /** UTF-16 offset, in the whole streamed text, of the first impossible character. */
      readonly offset: number;
      readonly char: string;
      /** JSON pointer of the value being written. */
      readonly path: string;
      readonly reason: string;
    };

export interface PrefixCheckerOptions {
  /**
   * Accept what llm/repair.ts fixes mechanically after the reply arrives: prose or a ``` fence
   * before the JSON and anything after it, properties additionalProperties forbids (dropped),
   * and strings where a number or boolean belongs ("0.8", "true"; judged when they close).
   * Early abort should only stop a reply that nothing could save. @default false
   */
  readonly lenient?: boolean;
}

export interface PrefixChecker {
  /** Feeds the next piece of the stream; the verdict on everything fed so far. Once rejected, stays rejected. */
  push(text: string): PrefixVerdict;
  /** The stream ended: rejects a document that is not finished. */
  end(): PrefixVerdict;
  readonly verdict: PrefixVerdict;
  /** The root value is closed; later text cannot make it invalid (lenient) or is rejected (strict). */
  readonly complete: boolean;
  /** Characters consumed so far. */
  readonly offset: number;
}

type ObjectFrame = { kind: 'object'; node: CheckNode; path: string; state: 'first-key-or-end' | 'key' | 'colon' | 'value' | 'comma-or-end'; key: string; seen: Set<string> };
type ArrayFrame = { kind: 'array'; node: CheckNode; path: string; state: 'first-item-or-end' | 'item' | 'comma-or-end'; count: number };
type Frame = ObjectFrame | ArrayFrame;

type NumberState = 'sign' | 'zero' | 'int' | 'dot' | 'frac' | 'e' | 'esign' | 'exp';
type Scalar =
  | {
      kind: 'string';
      node: CheckNode;
      path: string;
      role: 'key' | 'value';
      /** A string standing where a number or boolean belongs, kept for the repair's coercion (lenient only). */
      coerceTo?: 'number' | 'integer' | 'boolean';
      content: string;
      /** Unicode code points, as ajv counts minLength/maxLength. */
      length: number;
      lastWasHighSurrogate: boolean;
      /** undefined: not in an escape; '' right after the backslash; 'u…' collecting hex digits. */
      escape: string | undefined;
      /** Allowed whole values (enum strings, or property names), narrowed as characters arrive. */
      candidates: string[] | undefined;
    }
  | { kind: 'number'; node: CheckNode; path: string; text: string; state: NumberState }
  | { kind: 'literal'; node: CheckNode; path: string; literal: 'true' | 'false' | 'null'; at: number };

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const NUMBER_COMPLETE = new Set<NumberState>(['zero', 'int', 'frac', 'exp']);
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
/** What llm/repair.ts coerces to a number. */
const NUMERIC = /^\s*-?\d+(\.\d+)?([eE][+-]?\d+)?\s*$/;

/** Escapes a property name for a JSON pointer. */
const pointer = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');

function numberNext(state: NumberState | 'start', c: string): NumberState | undefined {
  const digit = c >= '0' && c <= '9';
  switch (state) {
    case 'start':
      return c === '-' ? 'sign' : c === '0' ? 'zero' : digit ? 'int' : undefined;
    case 'sign':
      return c === '0' ? 'zero' : digit ? 'int' : undefined;
    case 'zero':
      return c === '.' ? 'dot' : c === 'e' || c === 'E' ? 'e' : undefined;
    case 'int':
      return digit ? 'int' : c === '.' ? 'dot' : c === 'e' || c === 'E' ? 'e' : undefined;
    case 'dot':
      return digit ? 'frac' : undefined;
    case 'frac':
      return digit ? 'frac' : c === 'e' || c === 'E' ? 'e' : undefined;
    case 'e':
      return c === '+' || c === '-' ? 'esign' : digit ? 'exp' : undefined;
    case 'esign':
    case 'exp':
      return digit ? 'exp' : undefined;
  }
}

function kindOfFirstChar(c: string): Exclude<JsonKind, 'boolean'> | 'true' | 'false' | undefined {
  if (c === '{') return 'object';
  if (c === '[') return 'array';
  if (c === '"') return 'string';
  if (c === '-' || (c >= '0' && c <= '9')) return 'number';
  if (c === 't') return 'true';
  if (c === 'f') return 'false';
  if (c === 'n') return 'null';
  return undefined;
}

function kindOfValue(v: unknown): JsonKind | 'true' | 'false' {
  if (v === null) return 'null';
  if (v === true) return 'true';
  if (v === false) return 'false';
  if (Array.isArray(v)) return 'array';
  return typeof v as JsonKind;
}

function allows(node: CheckNode, kind: JsonKind): boolean {
  if (!node.types) return true;
  return node.types.has(kind) || (kind === 'number' && node.types.has('integer'));
}

function describeTypes(node: CheckNode): string {
  return node.types ? [...node.types].join(' or ') || 'nothing (false schema)' : 'any value';
}

/** Why a finished number is not allowed here, or undefined when it is. */
function numberProblem(node: CheckNode, text: string): string | undefined {
  const v = Number(text);
  if (node.types && !node.types.has('number') && node.types.has('integer') && !Number.isInteger(v)) return `must be an integer, got ${text}`;
  if (node.minimum !== undefined && v < node.minimum) return `must be >= ${node.minimum}, got ${text}`;
  if (node.maximum !== undefined && v > node.maximum) return `must be <= ${node.maximum}, got ${text}`;
  if (node.exclusiveMinimum !== undefined && v <= node.exclusiveMinimum) return `must be > ${node.exclusiveMinimum}, got ${text}`;
  if (node.exclusiveMaximum !== undefined && v >= node.exclusiveMaximum) return `must be < ${node.exclusiveMaximum}, got ${text}`;
  if (node.enumValues && !node.enumValues.some((e) => e === v)) return `must be one of ${node.enumValues.map((e) => JSON.stringify(e)).join(', ')}, got ${text}`;
  return undefined;
}

export function createPrefixChecker(schema: object, options: PrefixCheckerOptions = {}): PrefixChecker {
  const root = compileCheckNode(schema);
  const lenient = options.lenient ?? false;
  const stack: Frame[] = [];
  let scalar: Scalar | undefined;
  let rootState: 'preamble' | 'value' | 'done' = 'preamble';
  // Lenient: text before the JSON. A fence line alone is not prose: the JSON after it is checked as strictly as bare JSON.
  let preamble = '';
  let afterProse = false;
  let verdict: PrefixVerdict = { ok: true };
  let offset = 0;
  let heldHighSurrogate = '';
  let current = '';

  const reject = (path: string, reason: string): void => {
    if (afterProse) {
      // The repair would look for JSON elsewhere in prose; we cannot follow it, so we do not abort.
      stack.length = 0;
      scalar = undefined;
      rootState = 'preamble';
      return;
    }
    verdict = { ok: false, offset, char: current, path, reason };
  };

  const valueDone = (): void => {
    const top = stack.at(-1);
    if (top) top.state = 'comma-or-end';
    else rootState = 'done';
  };

  const startValue = (c: string, node: CheckNode, path: string): void => {
    const first = kindOfFirstChar(c);
    if (!first) return reject(path, `${JSON.stringify(c)} cannot start a JSON value`);
    const kind: JsonKind = first === 'true' || first === 'false' ? 'boolean' : first;
    let coerceTo: 'number' | 'integer' | 'boolean' | undefined;
    if (!allows(node, kind)) {
      const t = node.types!;
      const to = t.has('number') ? 'number' : t.has('integer') ? 'integer' : t.has('boolean') ? 'boolean' : undefined;
      if (!(lenient && kind === 'string' && to)) return reject(path, `must be ${describeTypes(node)}, not ${kind === 'object' || kind === 'array' ? 'an' : 'a'} ${kind}`);
      coerceTo = to;
    }
    let candidates: string[] | undefined;
    if (node.enumValues && !coerceTo) {
      const possible = node.enumValues.filter((v) => kindOfValue(v) === first);
      if (possible.length === 0) return reject(path, `must be one of ${node.enumValues.map((e) => JSON.stringify(e)).join(', ')}`);
      if (first === 'string') candidates = possible as string[];
    }
    switch (first) {
      case 'object':
        stack.push({ kind: 'object', node, path, state: 'first-key-or-end', key: '', seen: new Set() });
        return;
      case 'array':
        stack.push({ kind: 'array', node, path, state: 'first-item-or-end', count: 0 });
        return;
      case 'string':
        scalar = { kind: 'string', node, path, role: 'value', coerceTo, content: '', length: 0, lastWasHighSurrogate: false, escape: undefined, candidates };
        return;
      case 'number': {
        // -0 is the largest number a '-' can start, so a minimum above 0 rules the sign out at once.
        if (c === '-' && ((node.minimum !== undefined && node.minimum > 0) || (node.exclusiveMinimum !== undefined && node.exclusiveMinimum >= 0))) {
          return reject(path, `must be ${node.minimum !== undefined ? `>= ${node.minimum}` : `> ${node.exclusiveMinimum}`}; a number starting "-" cannot be`);
        }
        scalar = { kind: 'number', node, path, text: c, state: numberNext('start', c)! };
        return;
      }
      default:
        scalar = { kind: 'literal', node, path, literal: first, at: 1 };
    }
  };

  const startKey = (frame: ObjectFrame): void => {
    const names = [...frame.node.properties.keys()];
    const closed = frame.node.additional === 'none' && !lenient;
    if (closed && names.length === 0) return reject(frame.path, 'allows no properties (additionalProperties is false)');
    scalar = { kind: 'string', node: ANY, path: frame.path, role: 'key', content: '', length: 0, lastWasHighSurrogate: false, escape: undefined, candidates: closed ? names : undefined };
  };

  const closeObject = (frame: ObjectFrame): void => {
    const missing = frame.node.required.filter((k) => !frame.seen.has(k));
    if (missing.length) return reject(frame.path || '/', `is missing required propert${missing.length === 1 ? 'y' : 'ies'} ${missing.map((k) => `"${k}"`).join(', ')}`);
    stack.pop();
    valueDone();
  };

  const closeArray = (frame: ArrayFrame): void => {
    const { minItems } = frame.node;
    if (minItems !== undefined && frame.count < minItems) return reject(frame.path || '/', `must have at least ${minItems} items, has ${frame.count}`);
    stack.pop();
    valueDone();
  };

  const startItem = (frame: ArrayFrame, c: string): void => {
    const { maxItems } = frame.node;
    if (maxItems !== undefined && frame.count >= maxItems) return reject(frame.path || '/', `must have at most ${maxItems} items`);
    frame.count++;
    frame.state = 'item';
    startValue(c, frame.node.items, `${frame.path}/${frame.count - 1}`);
  };

  /** Adds one decoded character (a code point, or one half of a surrogate pair from an escape) to a string. */
  const appendToString = (s: Extract<Scalar, { kind: 'string' }>, ch: string): void => {
    const isLow = ch.length === 1 && ch >= '\udc00' && ch <= '\udfff';
    const adds = isLow && s.lastWasHighSurrogate ? 0 : 1;
    const max = s.role === 'value' && !s.coerceTo ? s.node.maxLength : undefined;
    if (adds && max !== undefined && s.length >= max) return reject(s.path, `is longer than maxLength ${max}`);
    s.length += adds;
    s.content += ch;
    s.lastWasHighSurrogate = ch.length === 1 && ch >= '\ud800' && ch <= '\udbff';
    if (s.candidates) {
      s.candidates = s.candidates.filter((v) => v.startsWith(s.content));
      if (s.candidates.length === 0) {
        return s.role === 'key'
          ? reject(s.path || '/', `has no property starting "${s.content}" (additionalProperties is false)`)
          : reject(s.path, `no allowed value starts "${s.content}"`);
      }
    }
  };

  const closeString = (s: Extract<Scalar, { kind: 'string' }>): void => {
    if (s.role === 'key') {
      const frame = stack.at(-1) as ObjectFrame;
      if (s.candidates && !s.candidates.includes(s.content)) return reject(s.path || '/', `has unknown property "${s.content}" (additionalProperties is false)`);
      scalar = undefined;
      frame.key = s.content;
      frame.seen.add(s.content);
      frame.state = 'colon';
      return;
    }
    if (s.coerceTo) {
      const ok = s.coerceTo === 'boolean' ? s.content === 'true' || s.content === 'false' : NUMERIC.test(s.content) && (s.coerceTo === 'number' || Number.isInteger(Number(s.content)));
      if (!ok) return reject(s.path, `must be ${describeTypes(s.node)}, and "${s.content}" cannot be coerced to one`);
    } else {
      const { minLength, pattern } = s.node;
      if (minLength !== undefined && s.length < minLength) return reject(s.path, `is shorter than minLength ${minLength}`);
      if (s.candidates && !s.candidates.includes(s.content)) return reject(s.path, `must be one of ${s.candidates.map((e) => JSON.stringify(e)).join(', ')}`);
      if (pattern && !pattern.test(s.content)) return reject(s.path, `must match pattern ${pattern.source}`);
    }
    scalar = undefined;
    valueDone();
  };

  const stringChar = (s: Extract<Scalar, { kind: 'string' }>, c: string): void => {
    if (s.escape === '') {
      if (c === 'u') {
        s.escape = 'u';
        return;
      }
      const decoded = ESCAPES[c];
      if (decoded === undefined) return reject(s.path, `\\${c} is not a JSON escape`);
      s.escape = undefined;
      return appendToString(s, decoded);
    }
    if (s.escape !== undefined) {
      if (!/^[0-9a-fA-F]$/.test(c)) return reject(s.path, `\\${s.escape}${c} is not a \\uXXXX escape`);
      s.escape += c;
      if (s.escape.length === 5) {
        const decoded = String.fromCharCode(parseInt(s.escape.slice(1), 16));
        s.escape = undefined;
        appendToString(s, decoded);
      }
      return;
    }
    if (c === '"') return closeString(s);
    if (c === '\\') {
      // Every escape adds a character, except a low surrogate completing a pair.
      const max = s.role === 'value' && !s.coerceTo ? s.node.maxLength : undefined;
      if (max !== undefined && s.length >= max && !s.lastWasHighSurrogate) return reject(s.path, `is longer than maxLength ${max}`);
      s.escape = '';
      return;
    }
    if (c < ' ') return reject(s.path, 'has a raw control character; JSON strings need it escaped');
    appendToString(s, c);
  };

  const structural = (c: string): void => {
    const top = stack.at(-1);
    if (!top) {
      if (rootState === 'done') {
        if (lenient || WHITESPACE.has(c)) return;
        return reject('', 'text after the end of the JSON document');
      }
      if (WHITESPACE.has(c) && rootState === 'preamble' && preamble === '') return;
      if (lenient && rootState === 'preamble' && c !== '{' && c !== '[') {
        preamble += c;
        return;
      }
      afterProse = lenient && !/^\s*(```[A-Za-z]*\s*)?$/.test(preamble);
      rootState = 'value';
      return startValue(c, root, '');
    }
    if (WHITESPACE.has(c)) return;
    if (top.kind === 'object') {
      switch (top.state) {
        case 'first-key-or-end':
          if (c === '}') return closeObject(top);
          if (c === '"') return startKey(top);
          return reject(top.path || '/', `expected a property name or "}", got ${JSON.stringify(c)}`);
        case 'key':
          if (c === '"') return startKey(top);
          return reject(top.path || '/', `expected a property name after ",", got ${JSON.stringify(c)}`);
        case 'colon':
          if (c === ':') {
            top.state = 'value';
            return;
          }
          return reject(`${top.path}/${pointer(top.key)}`, `expected ":", got ${JSON.stringify(c)}`);
        case 'value': {
          const declared = top.node.properties.get(top.key);
          const child = declared ?? (top.node.additional === 'none' ? ANY : top.node.additional);
          return startValue(c, child, `${top.path}/${pointer(top.key)}`);
        }
        case 'comma-or-end':
          if (c === ',') {
            top.state = 'key';
            return;
          }
          if (c === '}') return closeObject(top);
          return reject(top.path || '/', `expected "," or "}", got ${JSON.stringify(c)}`);
      }
    }
    switch (top.state) {
      case 'first-item-or-end':
        if (c === ']') return closeArray(top);
        return startItem(top, c);
      case 'item':
        return startItem(top, c);
      case 'comma-or-end':
        if (c === ',') {
          // A comma promises another item.
          const { maxItems } = top.node;
          if (maxItems !== undefined && top.count >= maxItems) return reject(top.path || '/', `must have at most ${maxItems} items`);
          top.state = 'item';
          return;
        }
        if (c === ']') return closeArray(top);
        return reject(top.path || '/', `expected "," or "]", got ${JSON.stringify(c)}`);
    }
  };

  const step = (c: string): void => {
    const s = scalar;
    if (s?.kind === 'string') return stringChar(s, c);
    if (s?.kind === 'literal') {
      if (c !== s.literal[s.at]) return reject(s.path, `expected ${s.literal}`);
      if (++s.at === s.literal.length) {
        scalar = undefined;
        valueDone();
      }
      return;
    }
    if (s?.kind === 'number') {
      const next = numberNext(s.state, c);
      if (next) {
        s.state = next;
        s.text += c;
        return;
      }
      if (!NUMBER_COMPLETE.has(s.state)) return reject(s.path, `number "${s.text}" cannot continue with ${JSON.stringify(c)}`);
      // The number ends at this character: only now is its value known.
      const problem = numberProblem(s.node, s.text);
      if (problem) return reject(s.path, problem);
      scalar = undefined;
      valueDone();
    }
    structural(c);
  };

  const feed = (input: string): PrefixVerdict => {
    for (const c of input) {
      current = c;
      step(c);
      if (!verdict.ok) return verdict;
      offset += c.length;
    }
    return verdict;
  };

  const checker: PrefixChecker = {
    push(text) {
      if (!verdict.ok) return verdict;
      let input = heldHighSurrogate + text;
      heldHighSurrogate = '';
      // A pair split across pushes would count as two characters; hold its first half back.
      const last = input.charCodeAt(input.length - 1);
      if (last >= 0xd800 && last <= 0xdbff) {
        heldHighSurrogate = input.slice(-1);
        input = input.slice(0, -1);
      }
      return feed(input);
    },
    end() {
      if (!verdict.ok) return verdict;
      // A lone high surrogate at the very end is a character of its own.
      const held = heldHighSurrogate;
      heldHighSurrogate = '';
      if (held && !feed(held).ok) return verdict;
      // A bare number at the root ends with the stream.
      if (scalar?.kind === 'number' && stack.length === 0) {
        current = '';
        step(' ');
        if (!verdict.ok) return verdict;
      }
      if (rootState !== 'done' && !afterProse) verdict = { ok: false, offset, char: '', path: stack.at(-1)?.path ?? '', reason: rootState === 'preamble' ? 'no JSON value in the text' : 'the document ends before it is complete' };
      return verdict;
    },
    get verdict() {
      return verdict;
    },
    get complete() {
      return rootState === 'done';
    },
    get offset() {
      return offset;
    },
  };
  return checker;
}

/** The verdict on a whole text at once (tests, and replies that were not streamed). */
export function checkPrefix(schema: object, text: string, options?: PrefixCheckerOptions): PrefixVerdict {
  return createPrefixChecker(schema, options).push(text);
}
