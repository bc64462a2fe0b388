import { FUSIONS as MODEL_FUSIONS } from '@fedfuse/model';
import { FUSIONS } from '@fedfuse/protocol';
import { expect, it } from 'vitest';

it('the wire protocol names exactly the fusions the model builds', () => {
  expect([...FUSIONS]).toEqual([...MODEL_FUSIONS]);
});
