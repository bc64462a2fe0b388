import { useState } from 'react';
import type { ReactNode } from 'react';
import type { RunFormErrors, RunFormValues, StrategyParam } from '../../lib/run-form.ts';
import { defaultRunForm } from '../../lib/run-form.ts';

export type TextField = Exclude<keyof RunFormValues, 'params' | 'strategy' | 'scheduleKind' | 'secAggGraph'>;

export interface FieldOptions {
  hint?: string;
  type?: 'text' | 'number';
  step?: string;
  placeholder?: string;
}

/** The form's values and errors, and setters the fieldsets share. */
export interface FormBinding {
  form: RunFormValues;
  errors: RunFormErrors;
  set: <TKey extends keyof RunFormValues>(key: TKey, value: RunFormValues[TKey]) => void;
  setParam: (param: StrategyParam, value: string) => void;
  setErrors: (errors: RunFormErrors) => void;
  reset: () => void;
}

export function useFormBinding(): FormBinding {
  const [form, setForm] = useState<RunFormValues>(defaultRunForm);
  const [errors, setErrors] = useState<RunFormErrors>({});
  return {
    form,
    errors,
    set: (key, value) => setForm((f) => ({ ...f, [key]: value })),
    setParam: (param, value) => setForm((f) => ({ ...f, params: { ...f.params, [param]: value } })),
    setErrors,
    reset: () => {
      setForm(defaultRunForm);
      setErrors({});
    },
  };
}

/** Why a field was refused, or its hint. */
export function FieldNote(props: { error: string | undefined; hint?: string }) {
  if (props.error) return <span className="field-error">{props.error}</span>;
  return props.hint ? <span className="hint">{props.hint}</span> : null;
}

/** A labelled text or number input bound to one form field. */
export function Field(props: { binding: FormBinding; name: TextField; label: ReactNode } & FieldOptions) {
  const { binding, name } = props;
  const error = binding.errors[name];
  return (
    <label className={error ? 'invalid' : undefined}>
      {props.label}
      <input
        name={name}
        type={props.type ?? 'text'}
        inputMode={props.type === 'number' ? 'decimal' : undefined}
        step={props.step}
        placeholder={props.placeholder}
        value={binding.form[name]}
        onChange={(e) => binding.set(name, e.target.value)}
        aria-invalid={error ? true : undefined}
      />
      <FieldNote error={error} hint={props.hint} />
    </label>
  );
}
