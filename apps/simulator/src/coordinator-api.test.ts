import { describe, expectTypeOf, it } from 'vitest';
import type { RestResult } from '@fedfuse/protocol';
import type { CoordinatorApi, RoundView } from './coordinator-api.ts';

describe('the simulator’s view of the coordinator’s REST contract', () => {
  it('reads runs and rounds as the protocol’s schemas type them: a changed answer breaks its build', () => {
    expectTypeOf<Awaited<ReturnType<CoordinatorApi['run']>>>().toEqualTypeOf<RestResult<'getRun'>>();
    expectTypeOf<Awaited<ReturnType<CoordinatorApi['rounds']>>>().toEqualTypeOf<RestResult<'runRounds'>>();
    expectTypeOf<RoundView['metrics']>().toEqualTypeOf<RestResult<'runRounds'>[number]['metrics']>();
  });
});
