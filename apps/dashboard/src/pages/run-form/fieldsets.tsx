import { Fragment } from 'react';
import type { DerivedModelSpec } from '@fedfuse/protocol';
import { derivedPlaceholders, derivedRows } from '../../lib/derived-spec.ts';
import type { StrategyName } from '../../lib/run-form.ts';
import { FUSIONS, STRATEGIES } from '@fedfuse/protocol';
import { PARAM_INFO, STRATEGY_PARAMS } from '../../lib/run-form.ts';
import type { FormBinding } from './form-binding.tsx';
import { Field, FieldNote } from './form-binding.tsx';

export function RunFieldset(props: { binding: FormBinding }) {
  const b = props.binding;
  return (
    <fieldset>
      <legend>Run</legend>
      <Field binding={b} name="name" label="Name" hint="shown in the run list and the audit log" />
      <Field binding={b} name="rounds" label="Rounds" type="number" />
      <Field binding={b} name="minClients" label="Min. sites per round" type="number" />
      <Field
        binding={b}
        name="fraction"
        label="Fraction of sites sampled"
        type="number"
        step="0.05"
        hint="0–1; 1 = every available site"
      />
      <Field
        binding={b}
        name="roundTimeoutSeconds"
        label="Round deadline (s)"
        type="number"
        hint="a round closes then if enough sites answered"
      />
    </fieldset>
  );
}

/** What the coordinator derives from the approved sites' data schemas for the inputs left empty. */
function DerivedPanel(props: { derived: DerivedModelSpec | undefined }) {
  if (!props.derived) return null;
  return (
    <dl className="facts wide derived-spec" data-derived-ok={props.derived.ok}>
      {derivedRows(props.derived).map((row, i) => (
        <Fragment key={i}>
          <dt>{row.label}</dt>
          <dd className={row.label === 'Cannot start' ? 'field-error' : undefined}>{row.value}</dd>
        </Fragment>
      ))}
    </dl>
  );
}

export function ModelFieldset(props: { binding: FormBinding; derived: DerivedModelSpec | undefined }) {
  const b = props.binding;
  const hints = derivedPlaceholders(props.derived);
  const fromSites = 'leave empty to derive it from the approved sites';
  return (
    <fieldset>
      <legend>Model</legend>
      <DerivedPanel derived={props.derived} />
      <label>
        Fusion
        <select name="fusion" value={b.form.fusion} onChange={(e) => b.set('fusion', e.target.value)}>
          {FUSIONS.map((f) => (
            <option key={f} value={f}>
              {f}
            </option>
          ))}
        </select>
      </label>
      <Field
        binding={b}
        name="tasks"
        label="Tasks"
        placeholder={hints.tasks}
        hint="comma-separated; empty: every task the sites label"
      />
      <Field binding={b} name="ehrDim" label="EHR inputs" placeholder={hints.ehrDim} hint={fromSites} />
      <Field binding={b} name="genomicsDim" label="Genes" placeholder={hints.genomicsDim} hint={fromSites} />
      <Field
        binding={b}
        name="imageShape"
        label="Image shape"
        placeholder={hints.imageShape}
        hint="height×width×channels; empty: the sites' shape"
      />
      <Field binding={b} name="l2" label="L2 penalty λ" type="number" step="any" />
      <label className={`wide ${b.errors.modelJson ? 'invalid' : ''}`}>
        Model spec overrides (JSON)
        <textarea
          name="modelJson"
          rows={3}
          value={b.form.modelJson}
          placeholder='{"d": 32, "convFilters": [8, 16]}'
          onChange={(e) => b.set('modelJson', e.target.value)}
          spellCheck={false}
        />
        <FieldNote
          error={b.errors.modelJson}
          hint="optional; any ModelSpec field (dimensions, layers, loss weights, seed)"
        />
      </label>
    </fieldset>
  );
}

export function StrategyFieldset(props: { binding: FormBinding }) {
  const b = props.binding;
  const params = STRATEGY_PARAMS[b.form.strategy];
  return (
    <fieldset>
      <legend>Strategy</legend>
      <label>
        Aggregation
        <select
          name="strategy"
          value={b.form.strategy}
          onChange={(e) => b.set('strategy', e.target.value as StrategyName)}
        >
          {STRATEGIES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
      {params.map((param) => (
        <label key={param} className={b.errors[param] ? 'invalid' : undefined}>
          {PARAM_INFO[param].label}
          <input
            name={param}
            type="number"
            step="any"
            value={b.form.params[param] ?? ''}
            placeholder={PARAM_INFO[param].placeholder}
            onChange={(e) => b.setParam(param, e.target.value)}
          />
          <FieldNote error={b.errors[param]} />
        </label>
      ))}
      {params.length === 0 && (
        <p className="hint">
          {b.form.strategy === 'fedprox'
            ? 'FedProx: set the proximal term μ under local training.'
            : 'No server hyper-parameters.'}
        </p>
      )}
    </fieldset>
  );
}

export function LocalFieldset(props: { binding: FormBinding }) {
  const b = props.binding;
  return (
    <fieldset>
      <legend>Local training</legend>
      <Field binding={b} name="epochs" label="Epochs" type="number" />
      <Field binding={b} name="batchSize" label="Batch size" type="number" />
      <Field binding={b} name="learningRate" label="Learning rate" type="number" step="any" />
      <Field
        binding={b}
        name="modalityKeepProb"
        label="Modality keep prob."
        type="number"
        step="0.05"
        hint="modality dropout"
      />
      <Field
        binding={b}
        name="proximalMu"
        label="Proximal μ"
        type="number"
        step="any"
        hint="FedProx; 0 = off"
      />
    </fieldset>
  );
}

export function PrivacyFieldset(props: { binding: FormBinding }) {
  const b = props.binding;
  return (
    <fieldset>
      <legend>Differential privacy</legend>
      <Field
        binding={b}
        name="dpClip"
        label="Clip S"
        type="number"
        step="any"
        hint="DP-FedAvg: sites clip their delta to this L2 norm; empty = off"
      />
      <Field
        binding={b}
        name="dpNoiseMultiplier"
        label="Noise multiplier z"
        type="number"
        step="any"
        hint="noise std on the mean: z·S/sites"
      />
      <Field binding={b} name="dpDelta" label="δ" type="number" step="any" hint="empty = 1/sites^1.1" />
    </fieldset>
  );
}

export function RecordLevelFieldset(props: { binding: FormBinding }) {
  const b = props.binding;
  return (
    <fieldset>
      <legend>Record-level DP (DP-SGD at each site)</legend>
      <Field
        binding={b}
        name="recordClip"
        label="Per-patient clip C"
        type="number"
        step="any"
        hint="each patient's gradient L2 bound; empty = off"
      />
      <Field
        binding={b}
        name="recordNoiseMultiplier"
        label="Noise multiplier z"
        type="number"
        step="any"
        hint="noise std on a batch's sum: z·C"
      />
      <Field
        binding={b}
        name="recordDelta"
        label="δ"
        type="number"
        step="any"
        hint="empty = 1/patients^1.1"
      />
    </fieldset>
  );
}

export function SecureAggregationFieldset(props: { binding: FormBinding }) {
  const b = props.binding;
  return (
    <fieldset>
      <legend>Secure aggregation</legend>
      <Field
        binding={b}
        name="secAggDropouts"
        label="Tolerated dropouts"
        type="number"
        hint="sites that may drop mid-round; empty = off"
      />
      <Field
        binding={b}
        name="secAggColluders"
        label="Tolerated colluders"
        type="number"
        hint="sites that may collude with the coordinator; empty = 0"
      />
      <label className={b.errors.secAggGraph ? 'invalid' : undefined}>
        Mask graph
        <select
          name="secAggGraph"
          value={b.form.secAggGraph}
          onChange={(e) => b.set('secAggGraph', e.target.value === 'sparse' ? 'sparse' : 'complete')}
        >
          <option value="complete">complete (every pair of sites)</option>
          <option value="sparse">sparse (SecAgg+ Harary graph)</option>
        </select>
        <FieldNote error={b.errors.secAggGraph} />
      </label>
    </fieldset>
  );
}

const SCHEDULES = [
  { kind: 'none', label: 'start by hand' },
  { kind: 'cron', label: 'cron' },
  { kind: 'interval', label: 'interval' },
] as const;

export function ScheduleFieldset(props: { binding: FormBinding }) {
  const b = props.binding;
  return (
    <fieldset>
      <legend>Schedule</legend>
      <div className="radio-row" role="radiogroup" aria-label="schedule">
        {SCHEDULES.map(({ kind, label }) => (
          <label key={kind} className="checkbox">
            <input
              type="radio"
              name="scheduleKind"
              value={kind}
              checked={b.form.scheduleKind === kind}
              onChange={() => b.set('scheduleKind', kind)}
            />
            {label}
          </label>
        ))}
      </div>
      {b.form.scheduleKind === 'cron' && (
        <Field binding={b} name="cron" label="Cron expression" hint="e.g. 0 2 * * * (02:00 daily)" />
      )}
      {b.form.scheduleKind === 'interval' && (
        <Field binding={b} name="intervalSeconds" label="Every (s)" type="number" />
      )}
    </fieldset>
  );
}
