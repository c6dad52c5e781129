/**
 * What the scripted provider answered and billed, counted where a provider counts it: at the
 * server, by a hash of each request body. A 200 answer is paid for (a truncated, refused or
 * filtered one too: the tokens were generated); a 429, a 5xx or a hang is not.
 */
import { canonicalJson, sha256 } from '../base/hash.js';
import { countChatTokens, countTokens } from '../llm/tokens.js';
import { simulationResponder, type ChatCompletionRequest, type Responder, type ScriptedReply } from '../llm/simulator/scripted-server.js';

export interface LedgerEntry {
  /** sha256 of the canonical request body: the same request sent twice has the same hash. */
  readonly hash: string;
  readonly model: string;
  /** The schema name the request asked for (hubgen_themes, keyword_selection, ...). */
  readonly schema: string | undefined;
  /** "paid" for a 200 answer, else what the server did instead. */
  readonly answer: 'paid' | 'rate-limited' | 'server-error' | 'hang';
  readonly costUsd: number;
  /** The request body, kept only when the ledger was made with `keepBodies` (to diff a repeat). */
  readonly body?: ChatCompletionRequest;
  /** When the server recorded it (ms since the epoch). */
  readonly at: number;
}

export interface PaidLedger {
  readonly entries: readonly LedgerEntry[];
  /** The responder to give the server: answers with `inner` (simulation by default) and records each answer. */
  responder(inner?: Responder): Responder;
  /** Paid answers per request hash. */
  paidByHash(): Map<string, number>;
  /** Dollars billed for paid answers, at list price. */
  spentUsd(): number;
  /** Sets the counts back to zero (between the runs a case compares). */
  clear(): void;
  /** Called after each paid answer is recorded (a test can kill a process right after one). */
  onPaid?: (entry: LedgerEntry, paidSoFar: number) => void;
}

type Prices = Readonly<Record<string, { readonly input: number; readonly output: number }>>;

export const requestHash = (request: ChatCompletionRequest): string => sha256(canonicalJson(request));

function messageText(content: ChatCompletionRequest['messages'][number]['content']): string {
  if (typeof content === 'string') return content;
  return Array.isArray(content) ? content.map((p) => p.text ?? '').join('') : '';
}

/** The answer as the server will send it: a simulated reply is made here so its text can be billed. */
async function materialise(inner: Responder, request: ChatCompletionRequest, index: number): Promise<ScriptedReply> {
  const scripted = await inner(request, { index });
  return scripted.simulate ? { ...(await simulationResponder(request, { index })), ...scripted, simulate: false } : scripted;
}

function answerKind(reply: ScriptedReply): LedgerEntry['answer'] {
  if (reply.hang) return 'hang';
  if (reply.status === 429) return 'rate-limited';
  if (reply.status && reply.status >= 300) return 'server-error';
  return 'paid';
}

/** Tokens as the scripted server counts them (o200k over the message texts and the reply), priced per 1M. */
function costOf(request: ChatCompletionRequest, reply: ScriptedReply, prices: Prices): number {
  const price = prices[request.model];
  if (!price) return 0;
  const input = countChatTokens(request.messages.map((m) => ({ role: m.role as 'user', content: messageText(m.content) })));
  const content = typeof reply.content === 'string' ? reply.content : reply.content == null ? '' : JSON.stringify(reply.content);
  const output = countTokens(reply.refusal ?? content);
  return (input * price.input + output * price.output) / 1_000_000;
}

/**
 * A ledger over a scripted server's answers. Exact when the server adds no latency of its own: the
 * answer is then written in the same tick the responder returns it, so a client that died earlier
 * was never answered and a recorded answer was sent.
 */
export function createPaidLedger(prices: Prices, { keepBodies = false }: { keepBodies?: boolean } = {}): PaidLedger {
  const entries: LedgerEntry[] = [];
  let paid = 0;
  const ledger: PaidLedger = {
    entries,
    responder: (inner = simulationResponder) => async (request, info) => {
      const reply = await materialise(inner, request, info.index);
      const answer = answerKind(reply);
      const entry: LedgerEntry = { hash: requestHash(request), model: request.model, schema: request.response_format?.json_schema?.name, answer, costUsd: answer === 'paid' ? costOf(request, reply, prices) : 0, at: Date.now(), ...(keepBodies ? { body: request } : {}) };
      entries.push(entry);
      if (answer === 'paid') ledger.onPaid?.(entry, ++paid);
      return reply;
    },
    paidByHash() {
      const counts = new Map<string, number>();
      for (const e of entries) if (e.answer === 'paid') counts.set(e.hash, (counts.get(e.hash) ?? 0) + 1);
      return counts;
    },
    spentUsd: () => entries.reduce((s, e) => s + e.costUsd, 0),
    clear() {
      entries.length = 0;
      paid = 0;
    },
  };
  return ledger;
}

/**
 * Paid answers beyond what a reference run of the same work paid for the same requests: a request
 * a clean run pays for once and a crashed-and-resumed run pays for twice is one repeat.
 */
export function repeatedPaidCalls(run: Map<string, number>, reference: Map<string, number>): number {
  let repeats = 0;
  for (const [hash, n] of run) repeats += Math.max(0, n - Math.max(1, reference.get(hash) ?? 1));
  return repeats;
}
