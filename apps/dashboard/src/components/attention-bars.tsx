import { formatPercent } from '../lib/format.ts';

const MODALITY_COLORS: Record<string, string> = { ehr: '#2563eb', imaging: '#ea580c', genomics: '#059669' };

/** Per-task attention over the modalities, as one stacked bar per task (weights add up to 1). */
export function AttentionBars(props: {
  rows: { task: string; weights: { modality: string; weight: number }[] }[];
}) {
  const modalities = [...new Set(props.rows.flatMap((r) => r.weights.map((w) => w.modality)))].sort();
  return (
    <div className="attention" data-chart="attention">
      <ul className="legend">
        {modalities.map((m) => (
          <li key={m}>
            <span className="swatch" style={{ background: MODALITY_COLORS[m] ?? '#64748b' }} />
            {m}
          </li>
        ))}
      </ul>
      {props.rows.map((row) => {
        const total = row.weights.reduce((s, w) => s + w.weight, 0) || 1;
        return (
          <div className="attention-row" key={row.task}>
            <span className="attention-task">{row.task}</span>
            <div className="attention-bar" role="img" aria-label={`attention for ${row.task}`}>
              {modalities.map((m) => {
                const weight = row.weights.find((w) => w.modality === m)?.weight ?? 0;
                return (
                  <div
                    key={m}
                    className="attention-segment"
                    data-modality={m}
                    data-weight={weight}
                    style={{
                      width: `${(weight / total) * 100}%`,
                      background: MODALITY_COLORS[m] ?? '#64748b',
                    }}
                    title={`${m}: ${formatPercent(weight)}`}
                  >
                    {weight / total >= 0.12 ? formatPercent(weight, 0) : ''}
                  </div>
                );
              })}
            </div>
          </div>
        );
      })}
    </div>
  );
}
