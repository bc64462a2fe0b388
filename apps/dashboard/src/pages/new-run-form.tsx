import { useState } from 'react';
import type { FormEvent, ReactNode } from 'react';
import type { RunDetail } from '../api/schemas.ts';
import { RunDetail as RunDetailSchema } from '../api/schemas.ts';
import { Card, ErrorNote } from '../components/ui.tsx';
import type { RunFormErrors, RunFormValues, StrategyName, StrategyParam } from '../lib/run-form.ts';
import {
  FUSIONS,
  PARAM_INFO,
  STRATEGIES,
  STRATEGY_PARAMS,
  buildRunRequest,
  defaultRunForm,
} from '../lib/run-form.ts';
import { useSession } from '../session.tsx';

type TextField = Exclude<keyof RunFormValues, 'params' | 'strategy' | 'scheduleKind'>;

/** The form for a new run: model, strategy and its hyper-parameters, rounds, local training, schedule. */
export function NewRunForm(props: { onCreated: (run: RunDetail) => void }) {
  const { api } = useSession();
  const [form, setForm] = useState<RunFormValues>(defaultRunForm);
  const [errors, setErrors] = useState<RunFormErrors>({});
  const [serverError, setServerError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const set = <TKey extends keyof RunFormValues>(key: TKey, value: RunFormValues[TKey]) =>
    setForm((f) => ({ ...f, [key]: value }));
  const setParam = (param: StrategyParam, value: string) =>
    setForm((f) => ({ ...f, params: { ...f.params, [param]: value } }));

  const field = (
    key: TextField,
    label: ReactNode,
    attrs: { hint?: string; type?: string; step?: string } = {},
  ) => (
    <label className={errors[key] ? 'invalid' : undefined}>
      {label}
      <input
        name={key}
        type={attrs.type ?? 'text'}
        inputMode={attrs.type === 'number' ? 'decimal' : undefined}
        step={attrs.step}
        value={form[key]}
        onChange={(e) => set(key, e.target.value)}
        aria-invalid={errors[key] ? true : undefined}
      />
      {errors[key] ? (
        <span className="field-error">{errors[key]}</span>
      ) : (
        attrs.hint && <span className="hint">{attrs.hint}</span>
      )}
    </label>
  );

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const request = buildRunRequest(form);
    setServerError(undefined);
    if (!request.ok) return setErrors(request.errors);
    setErrors({});
    setBusy(true);
    api
      .post('/api/runs', RunDetailSchema, request.body)
      .then(props.onCreated)
      .catch((error: unknown) => setServerError(error))
      .finally(() => setBusy(false));
  };

  return (
    <Card title="New run" className="new-run">
      <form onSubmit={submit} className="run-form" noValidate>
        <fieldset>
          <legend>Run</legend>
          {field('name', 'Name', { hint: 'shown in the run list and the audit log' })}
          {field('rounds', 'Rounds', { type: 'number' })}
          {field('minClients', 'Min. sites per round', { type: 'number' })}
          {field('fraction', 'Fraction of sites sampled', {
            type: 'number',
            step: '0.05',
            hint: '0–1; 1 = every available site',
          })}
          {field('roundTimeoutSeconds', 'Round deadline (s)', {
            type: 'number',
            hint: 'a round closes then if enough sites answered',
          })}
        </fieldset>
        <fieldset>
          <legend>Model</legend>
          <label>
            Fusion
            <select name="fusion" value={form.fusion} onChange={(e) => set('fusion', e.target.value)}>
              {FUSIONS.map((f) => (
                <option key={f} value={f}>
                  {f}
                </option>
              ))}
            </select>
          </label>
          {field('tasks', 'Tasks', { hint: 'comma-separated, e.g. cancer, cardiac, metabolic' })}
          <label className={`wide ${errors.modelJson ? 'invalid' : ''}`}>
            Model spec overrides (JSON)
            <textarea
              name="modelJson"
              rows={3}
              value={form.modelJson}
              placeholder='{"d": 32, "convFilters": [8, 16]}'
              onChange={(e) => set('modelJson', e.target.value)}
              spellCheck={false}
            />
            {errors.modelJson ? (
              <span className="field-error">{errors.modelJson}</span>
            ) : (
              <span className="hint">
                optional; any ModelSpec field (dimensions, layers, loss weights, seed)
              </span>
            )}
          </label>
        </fieldset>
        <fieldset>
          <legend>Strategy</legend>
          <label>
            Aggregation
            <select
              name="strategy"
              value={form.strategy}
              onChange={(e) => set('strategy', e.target.value as StrategyName)}
            >
              {STRATEGIES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </label>
          {STRATEGY_PARAMS[form.strategy].map((param) => (
            <label key={param} className={errors[param] ? 'invalid' : undefined}>
              {PARAM_INFO[param].label}
              <input
                name={param}
                type="number"
                value={form.params[param] ?? ''}
                placeholder={PARAM_INFO[param].placeholder}
                onChange={(e) => setParam(param, e.target.value)}
              />
              {errors[param] && <span className="field-error">{errors[param]}</span>}
            </label>
          ))}
          {STRATEGY_PARAMS[form.strategy].length === 0 && (
            <p className="hint">
              {form.strategy === 'fedprox'
                ? 'FedProx: set the proximal term μ under local training.'
                : 'No server hyper-parameters.'}
            </p>
          )}
        </fieldset>
        <fieldset>
          <legend>Local training</legend>
          {field('epochs', 'Epochs', { type: 'number' })}
          {field('batchSize', 'Batch size', { type: 'number' })}
          {field('learningRate', 'Learning rate', { type: 'number', step: 'any' })}
          {field('modalityKeepProb', 'Modality keep prob.', {
            type: 'number',
            step: '0.05',
            hint: 'modality dropout',
          })}
          {field('proximalMu', 'Proximal μ', { type: 'number', step: 'any', hint: 'FedProx; 0 = off' })}
        </fieldset>
        <fieldset>
          <legend>Schedule</legend>
          <div className="radio-row" role="radiogroup" aria-label="schedule">
            {(['none', 'cron', 'interval'] as const).map((kind) => (
              <label key={kind} className="checkbox">
                <input
                  type="radio"
                  name="scheduleKind"
                  value={kind}
                  checked={form.scheduleKind === kind}
                  onChange={() => set('scheduleKind', kind)}
                />
                {kind === 'none' ? 'start by hand' : kind === 'cron' ? 'cron' : 'interval'}
              </label>
            ))}
          </div>
          {form.scheduleKind === 'cron' &&
            field('cron', 'Cron expression', { hint: 'e.g. 0 2 * * * (02:00 daily)' })}
          {form.scheduleKind === 'interval' && field('intervalSeconds', 'Every (s)', { type: 'number' })}
        </fieldset>
        <ErrorNote error={serverError} context="The coordinator refused the run" />
        <div className="form-actions">
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Creating…' : 'Create run'}
          </button>
          <button type="button" onClick={() => setForm(defaultRunForm)} disabled={busy}>
            Reset
          </button>
        </div>
      </form>
    </Card>
  );
}
