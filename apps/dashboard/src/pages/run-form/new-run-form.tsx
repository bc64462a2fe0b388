import { useState } from 'react';
import type { FormEvent } from 'react';
import type { RunView } from '@fedfuse/protocol';
import { useRestQuery } from '../../api/rest-queries.tsx';
import { Card, ErrorNote } from '../../components/ui.tsx';
import { buildRunRequest } from '../../lib/run-form.ts';
import { useSession } from '../../session.tsx';
import {
  LocalFieldset,
  ModelFieldset,
  PrivacyFieldset,
  RecordLevelFieldset,
  RunFieldset,
  ScheduleFieldset,
  SecureAggregationFieldset,
  StrategyFieldset,
} from './fieldsets.tsx';
import { useFormBinding } from './form-binding.tsx';

/** The form for a new run: model, strategy and its hyper-parameters, rounds, local training, schedule. */
export function NewRunForm(props: { onCreated: (run: RunView) => void }) {
  const { api } = useSession();
  const binding = useFormBinding();
  const derived = useRestQuery('modelSpec', {});
  const [serverError, setServerError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const request = buildRunRequest(binding.form);
    setServerError(undefined);
    if (!request.ok) return binding.setErrors(request.errors);
    binding.setErrors({});
    setBusy(true);
    api
      .call('createRun', { body: request.body })
      .then(props.onCreated)
      .catch((error: unknown) => setServerError(error))
      .finally(() => setBusy(false));
  };

  return (
    <Card title="New run" className="new-run">
      <form onSubmit={submit} className="run-form" noValidate>
        <RunFieldset binding={binding} />
        <ModelFieldset binding={binding} derived={derived.data} />
        <StrategyFieldset binding={binding} />
        <LocalFieldset binding={binding} />
        <PrivacyFieldset binding={binding} />
        <RecordLevelFieldset binding={binding} />
        <SecureAggregationFieldset binding={binding} />
        <ScheduleFieldset binding={binding} />
        <ErrorNote error={serverError} context="The coordinator refused the run" />
        <div className="form-actions">
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Creating…' : 'Create run'}
          </button>
          <button type="button" onClick={binding.reset} disabled={busy}>
            Reset
          </button>
        </div>
      </form>
    </Card>
  );
}
