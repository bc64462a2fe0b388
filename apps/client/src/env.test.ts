import { describe, expect, it } from 'vitest';
import { readEnv } from './env.ts';

describe(readEnv.name, () => {
  it('takes the test-only update dump folder outside production', () => {
    expect(readEnv({ FEDFUSE_TEST_DUMP_SECAGG_UPDATES: '/tmp/u' }).FEDFUSE_TEST_DUMP_SECAGG_UPDATES).toBe(
      '/tmp/u',
    );
    expect(readEnv({}).FEDFUSE_TEST_DUMP_SECAGG_UPDATES).toBeUndefined();
  });

  it('refuses it with NODE_ENV=production, naming the variable', () => {
    expect(() => readEnv({ FEDFUSE_TEST_DUMP_SECAGG_UPDATES: '/tmp/u', NODE_ENV: 'production' })).toThrow(
      /FEDFUSE_TEST_DUMP_SECAGG_UPDATES.*production/,
    );
  });
});
