import type { Ack, EvaluateIns, EvaluateRes, SiteReport, SubmitReceipt } from '@fedfuse/protocol';
import { FlEvent } from '@fedfuse/protocol';
import { TestSite } from '../../apps/coordinator/src/testing/test-site.ts';

/** Attention a site reports per task: each task leans on the modality the design says dominates it. */
const ATTENTION: Record<string, Record<string, number>> = {
  cancer: { ehr: 0.2, imaging: 0.15, genomics: 0.65 },
  cardiac: { ehr: 0.25, imaging: 0.6, genomics: 0.15 },
  metabolic: { ehr: 0.6, imaging: 0.2, genomics: 0.2 },
};

/**
 * A TestSite whose evaluations improve from round to round and carry what the daemon reports beyond
 * AUC: F1, precision, recall, attention weights and a modality-removal ablation. Still a real protocol
 * peer: every message passes the coordinator's validation.
 */
export class ReportingSite extends TestSite {
  override async evaluate(ins: EvaluateIns): Promise<Ack<SubmitReceipt>> {
    const bins = ins.config.bins;
    const tasks = Object.fromEntries(
      ins.config.tasks.map((task, t) => {
        // 10 positives, 10 negatives; k positives score in the top bin, so AUC = 0.5 + 0.05·k.
        const k = Math.min(10, 3 + 3 * ins.roundNumber - t);
        const positives = new Array<number>(bins).fill(0);
        const negatives = new Array<number>(bins).fill(0);
        positives[bins - 1] = k;
        positives[0] = 10 - k;
        negatives[0] = 10;
        const auc = 0.5 + 0.05 * k;
        const attention = ATTENTION[task] ?? { ehr: 1 / 3, imaging: 1 / 3, genomics: 1 / 3 };
        const metrics: Record<string, number> = {
          f1: Math.min(0.95, 0.45 + 0.15 * ins.roundNumber - 0.05 * t),
          precision: Math.min(0.95, 0.5 + 0.12 * ins.roundNumber),
          recall: k / 10,
          accuracy: (k + 10) / 20,
        };
        for (const [modality, weight] of Object.entries(attention)) {
          metrics[`attention.${modality}`] = weight;
          metrics[`ablation.${modality}.auc`] = Math.max(0.5, auc - 0.3 * weight);
        }
        return [task, { numExamples: 20, metrics, histogram: { bins, positives, negatives } }];
      }),
    );
    const res: EvaluateRes = { runId: ins.runId, roundId: ins.roundId, numExamples: 20, tasks };
    return this.emit<SubmitReceipt>(FlEvent.evaluateSubmit, res);
  }

  /** Tells the coordinator the site's software, backend and patients per modality combination. */
  report(report: SiteReport): Promise<Ack> {
    return this.emit<undefined>(FlEvent.siteReport, report);
  }
}
