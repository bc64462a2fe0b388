import type { ModelBatch as ModelPackageBatch, MODALITIES as ModelPackageModalities } from '@fedfuse/model';
import { describe, expectTypeOf, it } from 'vitest';
import { MODALITIES, type ModelBatch } from './model-batch.ts';

describe('ModelBatch mirror', () => {
  it('stays structurally identical to the model package contract', () => {
    expectTypeOf<ModelBatch>().toEqualTypeOf<ModelPackageBatch>();
    expectTypeOf(MODALITIES).toEqualTypeOf<typeof ModelPackageModalities>();
  });
});
