import type { RunState } from '@fedfuse/protocol';

/** An operator action the run's state does not allow (pause a stopped run, start a running one): HTTP 409. */
export class RunTransitionError extends Error {
  readonly code = 'wrong_stage';

  constructor(readonly detail: { runId: string; action: string; state: RunState }) {
    super(`cannot ${detail.action} a run that is ${detail.state}`);
    this.name = RunTransitionError.name;
  }
}
