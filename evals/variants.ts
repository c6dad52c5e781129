import { deepMerge, validateConfig, type HubgenConfig } from '../config/config.js';
import type { Ctx } from '../kit/context.js';

/** The pipelines a variant can run. */
export const BASE_VARIANTS = ['cascaded', 'single-step', 'single-step-local'] as const;
export type BaseVariant = (typeof BASE_VARIANTS)[number];

export type ParamValue = number | boolean | string;

export interface ConfigOverride {
  /** As written: "themes.threshold", "filter.relevanceThreshold", ... */
  readonly param: string;
  readonly value: ParamValue;
}

export interface VariantSpec {
  /** The full name, e.g. "cascaded@themes.threshold=0.8". */
  readonly name: string;
  readonly base: BaseVariant;
  readonly overrides: readonly ConfigOverride[];
}

/**
 * Short names for the first (cheapest) tier's threshold of a phase's cascade: raising it makes the
 * cheap tier's answer harder to accept, so more work escalates. Path is under `phases`.
 */
export const CASCADE_THRESHOLD_PARAMS: Readonly<Record<string, readonly [phase: string, cascadeKey: string]>> = {
  'themes.threshold': ['themes', 'cascade'],
  'keywords.threshold': ['keywords', 'cascade'],
  'filter.judge.threshold': ['filter', 'judgeCascade'],
};

export class VariantError extends Error {
  override readonly name = 'VariantError';
}

function parseValue(text: string): ParamValue {
  const t = text.trim();
  if (t === 'true' || t === 'false') return t === 'true';
  if (t !== '' && Number.isFinite(Number(t))) return Number(t);
  return t;
}

/**
 * "cascaded" | "single-step" | "single-step-local", optionally followed by config overrides:
 * "cascaded@themes.threshold=0.8+filter.relevanceThreshold=0.5". Overrides are joined with "+", not
 * ",", because a comma separates variants in a list (the CLI's --variants).
 */
export function parseVariant(name: string): VariantSpec {
  const at = name.indexOf('@');
  const base = (at === -1 ? name : name.slice(0, at)).trim();
  if (!(BASE_VARIANTS as readonly string[]).includes(base)) {
    throw new VariantError(`variant "${name}": unknown pipeline "${base}" (expected one of ${BASE_VARIANTS.join(', ')}, optionally followed by @param=value,...)`);
  }
  const overrides: ConfigOverride[] = [];
  if (at !== -1) {
    for (const part of name.slice(at + 1).split('+')) {
      const eq = part.indexOf('=');
      if (eq <= 0) throw new VariantError(`variant "${name}": override "${part}" is not param=value (join several with "+")`);
      const raw = part.slice(eq + 1);
      if (raw.includes('=')) throw new VariantError(`variant "${name}": "${part}" holds more than one param=value; join overrides with "+" (a comma separates variants)`);
      overrides.push({ param: part.slice(0, eq).trim(), value: parseValue(raw) });
    }
    if (overrides.length === 0) throw new VariantError(`variant "${name}": nothing after "@"`);
  }
  return { name, base: base as BaseVariant, overrides };
}

/** The variant name for a base pipeline with one parameter set: the inverse of parseVariant. */
export const variantName = (base: BaseVariant, overrides: readonly ConfigOverride[]): string =>
  overrides.length === 0 ? base : `${base}@${overrides.map((o) => `${o.param}=${o.value}`).join('+')}`;

/**
 * The config patch (for deepMerge) that sets one parameter. Parameters name a path under
 * `phases` ("filter.relevanceThreshold", "assemble.productsPerTheme"), or one of the cascade
 * threshold short names, which rewrite the whole cascade array because deepMerge replaces arrays.
 */
export function overridePatch(config: HubgenConfig, { param, value }: ConfigOverride): Record<string, unknown> {
  const cascade = CASCADE_THRESHOLD_PARAMS[param];
  if (cascade) {
    const [phase, key] = cascade;
    const tiers = (config.phases as Record<string, Record<string, unknown> | undefined>)[phase]?.[key];
    if (!Array.isArray(tiers) || tiers.length === 0) throw new VariantError(`${param}: config has no phases.${phase}.${key} cascade`);
    if (typeof value !== 'number') throw new VariantError(`${param}: threshold must be a number, got ${JSON.stringify(value)}`);
    const rewritten = tiers.map((t, i) => (i === 0 ? { ...(t as object), threshold: value } : t));
    return { phases: { [phase]: { [key]: rewritten } } };
  }
  const path = param.split('.').filter(Boolean);
  if (path[0] === 'phases') path.shift();
  if (path.length < 2) {
    throw new VariantError(`${param}: expected <phase>.<setting> (e.g. filter.relevanceThreshold) or one of ${Object.keys(CASCADE_THRESHOLD_PARAMS).join(', ')}`);
  }
  // Only phase settings: models and stores are wired once per context, so changing them here would be silently ignored.
  return { phases: path.reduceRight<unknown>((inner, k) => ({ [k]: inner }), value) as Record<string, unknown> };
}

/** The config with every override applied, validated (a typo in a setting name fails here, clearly). */
export function applyOverrides(config: HubgenConfig, overrides: readonly ConfigOverride[], label = 'variant'): HubgenConfig {
  let merged: unknown = config;
  for (const o of overrides) merged = deepMerge(merged, overridePatch(merged as HubgenConfig, o));
  return validateConfig(merged, label);
}

/** A context that differs from `ctx` only in its config; models, stores and caches are shared. */
export function deriveCtx(ctx: Ctx, overrides: readonly ConfigOverride[], label = 'variant'): Ctx {
  return overrides.length === 0 ? ctx : { ...ctx, config: applyOverrides(ctx.config, overrides, label) };
}
