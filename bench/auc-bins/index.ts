// Error of the pooled histogram AUC against the exact AUC, by bin count, on score distributions shaped
// like a trained model's sigmoid outputs (logits ~ N(±separation, 1.5), so many scores near 0 or 1).
// Run: npx tsx bench/auc-bins/index.ts
import { histogramAuc } from '@fedfuse/strategy';
import { scoreHistogram } from '@fedfuse/client/histogram';
import { exactAuc, seededNormal } from '@fedfuse/e2e/auc/scores';

const BINS = [100, 250, 500, 1000];
const DRAWS = 200;

for (const separation of [0.5, 1.5, 3]) {
  for (const patients of [100, 1000]) {
    const worst = new Map<number, number>(BINS.map((b) => [b, 0]));
    const normal = seededNormal(separation * 1000 + patients);
    for (let d = 0; d < DRAWS; d++) {
      const labels = Array.from({ length: patients }, (_, i) => (i % 4 === 0 ? 1 : 0));
      const scores = labels.map(
        (y) => 1 / (1 + Math.exp(-(normal() * 1.5 + (y ? separation : -separation)))),
      );
      const exact = exactAuc(scores, labels);
      for (const bins of BINS) {
        const h = scoreHistogram({ scores, labels, bins });
        const error = Math.abs(histogramAuc(h.positives, h.negatives) - exact);
        worst.set(bins, Math.max(worst.get(bins)!, error));
      }
    }
    const cells = BINS.map((b) => `${b} bins ${worst.get(b)!.toExponential(1)}`).join(', ');
    console.log(
      `separation ${separation}, ${patients} patients: worst |error| over ${DRAWS} draws: ${cells}`,
    );
  }
}
