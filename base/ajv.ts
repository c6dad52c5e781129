import { Ajv, type ValidateFunction, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS; under NodeNext its default export arrives wrapped.
const addFormats = (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;

let shared: Ajv | undefined;
const compiled = new WeakMap<object, ValidateFunction>();

/** One ajv instance for the whole process: schemas compile once and are cached by identity. */
export function getAjv(): Ajv {
  if (!shared) {
    shared = new Ajv({ allErrors: true, strict: false, useDefaults: true });
    (addFormats as unknown as (a: Ajv) => void)(shared);
  }
  return shared;
}

const byId = new Map<string, { readonly text: string; readonly fn: ValidateFunction }>();

/** A deep copy without `$id`s: ajv registers every `$id` once per instance. */
function withoutIds(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutIds);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).filter(([k]) => k !== '$id').map(([k, v]) => [k, withoutIds(v)]));
  return value;
}

/**
 * Compiles once per schema object. A copy of an already-compiled schema (same `$id`, same content)
 * reuses its validator; any other schema whose `$id` ajv already holds — e.g. a phase schema that
 * is also nested inside another artefact's schema — compiles without its ids instead of throwing.
 */
export function compileSchema<T = unknown>(schema: object): ValidateFunction<T> {
  let fn = compiled.get(schema);
  if (fn) return fn as ValidateFunction<T>;
  const id = (schema as { $id?: unknown }).$id;
  if (typeof id === 'string') {
    const text = JSON.stringify(schema);
    const prev = byId.get(id);
    if (prev?.text === text) fn = prev.fn;
    else if (prev || getAjv().getSchema(id)) fn = getAjv().compile(withoutIds(schema) as object);
    else {
      fn = getAjv().compile(schema);
      byId.set(id, { text, fn });
    }
  } else {
    fn = getAjv().compile(schema);
  }
  compiled.set(schema, fn);
  return fn as ValidateFunction<T>;
}

/** "/phases/themes/cascade/0/threshold must be <= 1; ..." — JSON paths first, so a reader can find the field. */
export function describeErrors(errors: readonly ErrorObject[] | null | undefined): string {
  if (!errors?.length) return 'unknown validation error';
  return errors
    .map((e) => {
      const path = e.instancePath || '/';
      if (e.keyword === 'additionalProperties') return `${path} has unknown property "${(e.params as { additionalProperty: string }).additionalProperty}"`;
      if (e.keyword === 'enum') return `${path} ${e.message}: ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
      return `${path} ${e.message}`;
    })
    .join('; ');
}
