import { mulberry32 } from '../base/random.js';
import { hashSeed, reply, simulationResponder, type Responder, type ScriptedReply } from '../llm/simulator/scripted-server.js';
import { requestHash } from './paid-ledger.js';

/** Every provider fault the suite injects, in equal shares. */
export const FAULT_KINDS = ['rate-limited', 'server-error', 'hang', 'truncated', 'schema-invalid', 'refusal', 'content-filter'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultPlan {
  /** Share of calls that fail, 0..1. */
  readonly rate: number;
  readonly seed: number;
  /** Told each fault as it is injected, by kind. */
  readonly onFault?: (kind: FaultKind) => void;
  /** The model the healthy calls get. @default the simulator */
  readonly inner?: Responder;
}

function faultReply(kind: FaultKind, good: ScriptedReply): ScriptedReply {
  const value = () => JSON.parse(String(good.content)) as unknown;
  switch (kind) {
    case 'rate-limited':
      return reply.rateLimited({ retryAfterSeconds: 1 });
    case 'server-error':
      return reply.serverError(500);
    case 'hang':
      return reply.hang();
    case 'truncated':
      return reply.truncated(value(), 0.5);
    case 'schema-invalid':
      // Valid JSON with none of the fields asked for: only the validator can tell.
      return reply.json({ answer: 'not what the schema asks for' });
    case 'refusal':
      return reply.refusal();
    case 'content-filter':
      return reply.contentFilter();
  }
}

/**
 * Answers like `inner`, except that `rate` of calls fail, the kind drawn evenly from
 * FAULT_KINDS. The draw is seeded by the request's hash and how often that body was seen before,
 * so a run is reproducible whatever order concurrent calls arrive in, and a retry of the same body
 * draws again rather than failing forever.
 */
export function faultyResponder({ rate, seed, onFault, inner = simulationResponder }: FaultPlan): Responder {
  const seen = new Map<string, number>();
  return async (request, info) => {
    const hash = requestHash(request);
    const n = seen.get(hash) ?? 0;
    seen.set(hash, n + 1);
    const random = mulberry32(hashSeed(`${seed}:${hash}:${n}`));
    const good = await inner(request, info);
    if (random() >= rate) return good;
    const kind = FAULT_KINDS[Math.floor(random() * FAULT_KINDS.length)];
    onFault?.(kind);
    return faultReply(kind, good);
  };
}
