import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.js';
import { applyOverrides, parseVariant, variantName, VariantError } from './variants.js';

const config = loadConfig({ env: {}, cwd: '/nonexistent-so-no-config-file-is-read' });

describe('variants', () => {
  it('parses a base pipeline with config overrides, and names it back the same way', () => {
    const v = parseVariant('cascaded@themes.threshold=0.8+filter.policy.allowAlcohol=true');
    expect(v).toEqual({
      name: 'cascaded@themes.threshold=0.8+filter.policy.allowAlcohol=true',
      base: 'cascaded',
      overrides: [{ param: 'themes.threshold', value: 0.8 }, { param: 'filter.policy.allowAlcohol', value: true }],
    });
    expect(variantName(v.base, v.overrides)).toBe(v.name);
    expect(parseVariant('single-step-local')).toEqual({ name: 'single-step-local', base: 'single-step-local', overrides: [] });
  });

  it('rejects unknown pipelines and malformed overrides with the offending text', () => {
    expect(() => parseVariant('monolith')).toThrow(VariantError);
    expect(() => parseVariant('monolith')).toThrow(/unknown pipeline "monolith"/);
    expect(() => parseVariant('cascaded@themes.threshold')).toThrow(/"themes.threshold" is not param=value/);
    // A comma separates variants in a list, so it cannot join overrides.
    expect(() => parseVariant('cascaded@themes.threshold=0.8,keywords.threshold=0.5')).toThrow(/join overrides with "\+"/);
  });

  it('a cascade threshold short name sets only the first tier, keeping the rest of the cascade', () => {
    const out = applyOverrides(config, [{ param: 'themes.threshold', value: 0.8 }]);
    expect(out.phases.themes.cascade).toEqual([{ ...config.phases.themes.cascade[0], threshold: 0.8 }, ...config.phases.themes.cascade.slice(1)]);
    const judge = applyOverrides(config, [{ param: 'filter.judge.threshold', value: 0.3 }]);
    expect(judge.phases.filter.judgeCascade[0].threshold).toBe(0.3);
    expect(judge.phases.filter.judgeCascade.slice(1)).toEqual(config.phases.filter.judgeCascade.slice(1));
    expect(judge.phases.themes).toEqual(config.phases.themes);
  });

  it('a plain setting path merges under phases and leaves the rest of the config as it was', () => {
    const out = applyOverrides(config, [{ param: 'filter.relevanceThreshold', value: 0.5 }]);
    expect(out.phases.filter.relevanceThreshold).toBe(0.5);
    expect({ ...out, phases: { ...out.phases, filter: { ...out.phases.filter, relevanceThreshold: config.phases.filter.relevanceThreshold } } }).toEqual(config);
  });

  it('a misspelt setting fails config validation, naming the property', () => {
    expect(() => applyOverrides(config, [{ param: 'filter.relevanceTreshold', value: 0.5 }], 'variant x')).toThrow(/relevanceTreshold/);
    expect(() => applyOverrides(config, [{ param: 'themes.threshold', value: 'high' }])).toThrow(/must be a number/);
  });
});
