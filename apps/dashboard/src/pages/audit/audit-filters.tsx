import { useState } from 'react';
import type { AuditFilters } from '../../lib/audit-paging.ts';

const PAGE_SIZES = [25, 50, 100, 200];
const ACTION_HINTS = [
  'site.',
  'token.',
  'run.',
  'round.',
  'round.update_rejected',
  'round.instruction_refused',
  'site.enroll_refused',
];

export interface AuditFiltersFormProps {
  filters: AuditFilters;
  pageSize: number;
  onFilters: (filters: AuditFilters) => void;
  onPageSize: (size: number) => void;
}

/** Actor kind, action prefix and outcome filters (the same rules as GET /api/audit), and the page size. */
export function AuditFiltersForm(props: AuditFiltersFormProps) {
  const { filters, onFilters } = props;
  const [action, setAction] = useState(filters.action);
  const applyAction = () => action !== filters.action && onFilters({ ...filters, action });
  return (
    <form
      className="filters"
      onSubmit={(e) => {
        e.preventDefault();
        applyAction();
      }}
    >
      <label>
        Actor
        <select
          name="actorKind"
          value={filters.actorKind}
          onChange={(e) => onFilters({ ...filters, actorKind: e.target.value as AuditFilters['actorKind'] })}
        >
          <option value="">any</option>
          <option value="operator">operator</option>
          <option value="site">site</option>
          <option value="system">system</option>
        </select>
      </label>
      <label>
        Action starts with
        <input
          name="action"
          list="audit-actions"
          value={action}
          placeholder="e.g. site."
          onChange={(e) => setAction(e.target.value)}
          onBlur={applyAction}
        />
        <datalist id="audit-actions">
          {ACTION_HINTS.map((a) => (
            <option key={a} value={a} />
          ))}
        </datalist>
      </label>
      <label>
        Outcome
        <select
          name="outcome"
          value={filters.outcome}
          onChange={(e) => onFilters({ ...filters, outcome: e.target.value as AuditFilters['outcome'] })}
        >
          <option value="">any</option>
          <option value="ok">ok</option>
          <option value="refused">refused</option>
          <option value="failed">failed</option>
        </select>
      </label>
      <label>
        Per page
        <select
          name="pageSize"
          value={props.pageSize}
          onChange={(e) => props.onPageSize(Number(e.target.value))}
        >
          {PAGE_SIZES.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </label>
      <button type="submit">Filter</button>
    </form>
  );
}
