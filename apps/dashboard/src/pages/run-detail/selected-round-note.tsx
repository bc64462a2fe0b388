import type { RunDetail } from '@fedfuse/protocol';
import { formatMetric } from '../../lib/format.ts';

/**
 * Which round is the run's model: the one with the best pooled validation AUC, not the last, with its
 * score on the test split (never used to choose it).
 */
export function SelectedRoundNote(props: { run: RunDetail }) {
  const selected = props.run.selectedRound;
  if (!selected) return null;
  const scores = Object.entries(selected.testAuc)
    .map(([task, auc]) => `${task} ${formatMetric(auc)}`)
    .join(', ');
  return (
    <p className="banner banner-info" data-selected-round={selected.round}>
      Selected model: round {selected.round} of {props.run.roundsCompleted} (best pooled validation AUC{' '}
      {formatMetric(selected.validationAuc)}). Test AUC: {scores}.
    </p>
  );
}
