import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import type { Role, RoleKind } from '../config/config.js';
import type { TokenLogprob } from './confidence/logprobs.js';
import type { Usage } from './usage.js';
import type { ChatMessage, EarlyAbort, FinishReason, StructuredAttempt, StructuredFailureStage } from './types.js';




export interface StructuredResult<T> {
  readonly object: T;
  readonly model: string;
  readonly usage: Usage;
  readonly finishReason: FinishReason;
  /** Every call, in order; the last one produced `object`. */
  readonly attempts: readonly StructuredAttempt[];
  /** True when a mechanical repair (not the model) made the output valid. */
  readonly repaired: boolean;
  readonly latencyMs: number;
  readonly warnings: readonly string[];
  /**
   * When asked for: the per-token log-probabilities of the reply that produced `object`, with the
   * raw text they spell (before any repair), for llm/confidence/logprobs.ts.
   */
  readonly logprobs?: { readonly text: string; readonly tokens: readonly TokenLogprob[] };
}

/** The value a schema describes: its static type for an `as const` schema, `unknown` for one known only at run time. */
export type SchemaValue<S> = S extends JSONSchema ? FromSchema<S> : unknown;

export interface GenerateStructuredOptions<S extends object = object> {
  readonly role: Role;
  /** JSON Schema: the single source of truth for the value's shape, and for the result's type. */
  readonly schema: S;
  /** Name sent to providers that take one with response_format json_schema. */
  readonly schemaName: string;
  readonly messages: readonly ChatMessage[];
  readonly signal?: AbortSignal;
  /** Ask for per-token log-probabilities (and `top` alternatives); they come back as result.logprobs. */
  readonly logprobs?: boolean | { readonly top?: number };
  /**
   * Stream the reply and stop it at the first character that no schema-valid reply (after the
   * mechanical repairs) could have. A stopped reply is retried with the reason, then fails like a
   * schema failure; the output tokens it saved are in the attempt and in usage.savedOutputTokens.
   */
  readonly earlyAbort?: boolean | { readonly expectedOutputTokens?: number };
  /**
   * Which of several samples of one request this is (agreement asks the same thing n times). The
   * provider never sees it; an answer cache keys on it, so n samples stay n answers.
   */
  readonly sample?: number;
}

/** Maps roles to models; the only way phases reach an LLM. */
export interface ModelRegistry {
  /** Why the role cannot be used now (no key, no endpoint), or undefined when it can. */
  unavailableReason(role: Role): string | undefined;
  /** Local model, LLM or rerank service: phases ask this instead of reading provider config. */
  kindOf(role: Role): RoleKind | undefined;
  /** The model id bound to a role, for provenance and display. */
  modelId(role: Role): string;
  /**
   * What would answer this role right now, for artefact keys: the model, its endpoint when it is
   * not the provider's default, and whether the role can run at all. An artefact made while a tier
   * was unconfigured, or by another server under the same model name (a local vLLM, the eval
   * simulator), never stands in for one the real model would have made.
   */
  cacheKey(role: Role): string;
  /** The result's type comes from the schema (write it `as const`), not from the caller's word. */
  generateStructured<const S extends object>(options: GenerateStructuredOptions<S>): Promise<StructuredResult<SchemaValue<S>>>;
}
