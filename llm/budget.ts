import type { HubgenConfig } from '../config/config.js';
import type { Price } from '../config/config-schema.js';
import { BudgetExceededError } from './errors/budget-exceeded-error.js';
import type { GenerateStructuredOptions, ModelRegistry, StructuredResult } from './registry.js';
import { DEFAULT_MAX_VALIDATION_RETRIES } from './structured.js';
import { countChatTokens, countTokens } from './tokens.js';
import type { Usage } from './usage.js';

/** Output tokens assumed for a role without maxOutputTokens; set it on every role for a hard ceiling. */
export const DEFAULT_BUDGET_OUTPUT_TOKENS = 1024;
/** What a validation retry adds to the prompt besides the previous reply: the validator's feedback. */
const FEEDBACK_TOKENS = 300;

/** Money held for one call in flight, settled to what it really cost once it ends. */
export interface Reservation {
  settle(actualUsd: number): void;
}

/**
 * A run's spending limit with calls in flight counted: each call first reserves its worst-case
 * cost and is refused when that does not fit, so however many run at once, spent never passes
 * the limit (given the worst case is a true ceiling: every role has maxOutputTokens).
 */
export interface SpendBudget {
  readonly limitUsd: number;
  /** Settled: what finished calls cost. */
  readonly spentUsd: number;
  /** Held for calls in flight. */
  readonly reservedUsd: number;
  /** Holds `usd`, or undefined when spent + held + usd would pass the limit. */
  reserve(usd: number): Reservation | undefined;
  /** True once a call has been refused or the limit is spent: start no more work. */
  exhausted(): boolean;
}

export function createSpendBudget(limitUsd: number, alreadySpentUsd = 0): SpendBudget {
  let spent = alreadySpentUsd;
  let reserved = 0;
  let refused = false;
  return {
    limitUsd,
    get spentUsd() {
      return spent;
    },
    get reservedUsd() {
      return reserved;
    },
    reserve(usd) {
      if (spent + reserved + usd > limitUsd) {
        refused = true;
        return undefined;
      }
      reserved += usd;
      let open = true;
      return {
        settle(actualUsd) {
          if (!open) return;
          open = false;
          reserved -= usd;
          spent += actualUsd;
        },
      };
    },
    exhausted: () => refused || spent >= limitUsd,
  };
}

/**
 * The most one structured request can cost: the first call and every validation retry, each with
 * the whole prompt (the schema included; a retry also carries the previous reply and feedback) and
 * a full reply, all at the uncached input price. Undefined when the model has no price.
 */
export function worstCaseCostUsd(request: GenerateStructuredOptions, price: Price | undefined, maxOutputTokens: number, calls: number): number | undefined {
  if (!price) return undefined;
  const prompt = countChatTokens(request.messages) + countTokens(JSON.stringify(request.schema));
  let usd = 0;
  for (let k = 0; k < calls; k++) usd += ((prompt + k * (maxOutputTokens + FEEDBACK_TOKENS)) * price.input + maxOutputTokens * price.output) / 1_000_000;
  return usd;
}

/**
 * A registry whose structured calls spend from `budget`: each reserves its worst case before it
 * starts and settles to the cost it reports (a failed call settles to what its attempts cost; one
 * that reports nothing keeps its reservation). A call that does not fit throws BudgetExceededError,
 * which a cascade records as a failed tier. Models without a price cannot be budgeted and pass.
 */
export function withSpendBudget(models: ModelRegistry, budget: SpendBudget, config: Pick<HubgenConfig, 'prices' | 'roles'>, { maxValidationRetries = DEFAULT_MAX_VALIDATION_RETRIES } = {}): ModelRegistry {
  // Called untyped: the schema-to-value inference is for phases, and too deep to instantiate here.
  const generate = models.generateStructured as (request: GenerateStructuredOptions) => Promise<StructuredResult<unknown>>;
  return {
    ...models,
    generateStructured: (async (request: GenerateStructuredOptions) => {
      const maxOutput = config.roles[request.role]?.maxOutputTokens ?? DEFAULT_BUDGET_OUTPUT_TOKENS;
      const estimate = worstCaseCostUsd(request, config.prices[models.modelId(request.role)], maxOutput, 1 + maxValidationRetries);
      if (estimate === undefined) return generate(request);
      const held = budget.reserve(estimate);
      if (!held) throw new BudgetExceededError(request.role, estimate, budget.limitUsd - budget.spentUsd - budget.reservedUsd, budget.limitUsd);
      try {
        const result = await generate(request);
        held.settle(result.usage.costUsd ?? estimate);
        return result;
      } catch (error) {
        held.settle((error as { usage?: Usage }).usage?.costUsd ?? estimate);
        throw error;
      }
    }) as ModelRegistry['generateStructured'],
  };
}
