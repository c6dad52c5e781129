import { describe, expect, it } from 'vitest';
import { configFrom, dataDirFrom } from './options.js';

describe('--data', () => {
  it('sets dataDir over HUBGEN_DATA_DIR and the config file, and says so', () => {
    expect(configFrom({ data: '/from-flag' }).dataDir).toBe('/from-flag');
    expect(dataDirFrom({ data: '/from-flag' }, { HUBGEN_DATA_DIR: '/from-env' })).toBe('--data');
    expect(dataDirFrom({}, { HUBGEN_DATA_DIR: '/from-env' })).toBe('HUBGEN_DATA_DIR');
    expect(dataDirFrom({ config: 'shop.config.json' }, {})).toBe('shop.config.json');
    expect(dataDirFrom({}, {})).toBe('hubgen.config.json');
  });
});
