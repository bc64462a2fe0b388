import { z } from 'zod';
import type { Weights } from '@fedfuse/protocol';
import { CheckpointModelJson, LossTerms, formatIssues, readCheckpointWeights } from '@fedfuse/protocol';

// The slice of the coordinator's operator REST API the simulator drives, validated on arrival
// like any other boundary (docs/operator-guide.md).

const Num = z.number().nullable().optional();

/** Pooled metrics of one task in a round (`metrics.tasks.<task>`); NaN arrives as null. */
export const PooledTask = z.looseObject({
  auc: Num,
  numExamples: z.number().optional(),
  f1: Num,
  precision: Num,
  recall: Num,
  accuracy: Num,
  'attention.ehr': Num,
  'attention.imaging': Num,
  'attention.genomics': Num,
});
export type PooledTask = z.infer<typeof PooledTask>;

export const RoundView = z.object({
  roundId: z.string(),
  number: z.int(),
  attempt: z.int(),
  phase: z.string(),
  sites: z.array(z.string()),
  startedAt: z.int(),
  finishedAt: z.int().nullable(),
  metrics: z
    .object({
      tasks: z.record(z.string(), PooledTask),
      /** Pooled over the sites' validation splits: what the coordinator selects the best round on. */
      validation: z.record(z.string(), PooledTask).optional(),
      sites: z.array(z.string()),
    })
    .nullable(),
  /** The sites' local objective, pooled by examples, and the same in its terms (null before the commit). */
  trainingLoss: z.number().nullable().optional(),
  trainingLossTerms: LossTerms.nullable().optional(),
  failure: z.string().nullable().optional(),
  /** Updates and evaluations the coordinator refused or excluded in this round (older coordinators: absent). */
  rejections: z
    .array(z.object({ siteId: z.string().nullable(), code: z.string(), reason: z.string() }))
    .optional(),
});
export type RoundView = z.infer<typeof RoundView>;

export const RunView = z.object({
  runId: z.string(),
  state: z.string(),
  roundsPlanned: z.int(),
  roundsCompleted: z.int(),
  failure: z.string().nullable().optional(),
  /** The round with the best pooled validation AUC (GET /api/runs/:id only); null without validation. */
  selectedRound: z
    .object({ round: z.int().min(1), validationAuc: z.number() })
    .nullable()
    .optional(),
});
export type RunView = z.infer<typeof RunView>;

export const SiteView = z.object({
  siteId: z.string(),
  name: z.string(),
  status: z.string(),
  connected: z.boolean(),
});
export type SiteView = z.infer<typeof SiteView>;

/** The operator's view of a coordinator: bearer-token REST calls, each response parsed with its schema. */
export class CoordinatorApi {
  constructor(
    readonly url: string,
    private readonly token: string,
  ) {}

  private async call(method: string, path: string, body?: unknown): Promise<Response> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) {
      throw new Error(`coordinator ${method} ${path}: HTTP ${response.status} ${await response.text()}`);
    }
    return response;
  }

  private async json<T>(
    schema: z.ZodType<T>,
    request: { method: string; path: string; body?: unknown },
  ): Promise<T> {
    const response = await this.call(request.method, request.path, request.body);
    const parsed = schema.safeParse(await response.json());
    if (!parsed.success)
      throw new Error(
        `coordinator ${request.path}: unexpected response: ${formatIssues(parsed.error.issues)}`,
      );
    return parsed.data;
  }

  /** A one-time enrollment token; the site it enrolls is approved at once. */
  async createToken(label: string): Promise<string> {
    const body = { label, autoApprove: true };
    return (await this.json(z.object({ token: z.string() }), { method: 'POST', path: '/api/tokens', body }))
      .token;
  }

  sites(): Promise<SiteView[]> {
    return this.json(z.array(SiteView), { method: 'GET', path: '/api/sites' });
  }

  async createRun(config: unknown): Promise<string> {
    const run = await this.json(z.object({ runId: z.string() }), {
      method: 'POST',
      path: '/api/runs',
      body: config,
    });
    return run.runId;
  }

  startRun(runId: string): Promise<RunView> {
    return this.json(RunView, { method: 'POST', path: `/api/runs/${runId}/start` });
  }

  run(runId: string): Promise<RunView> {
    return this.json(RunView, { method: 'GET', path: `/api/runs/${runId}` });
  }

  rounds(runId: string): Promise<RoundView[]> {
    return this.json(z.array(RoundView), { method: 'GET', path: `/api/runs/${runId}/rounds` });
  }

  /** A committed checkpoint: its `model.json` and its weights, checked against the size and hash it names. */
  async checkpoint(runId: string, round: number): Promise<{ model: CheckpointModelJson; weights: Weights }> {
    const base = `/api/runs/${runId}/checkpoints/${round}`;
    const model = await this.json(CheckpointModelJson, { method: 'GET', path: `${base}/model.json` });
    const bytes = new Uint8Array(await (await this.call('GET', `${base}/weights.bin`)).arrayBuffer());
    const weights = await readCheckpointWeights(model, bytes);
    if (!weights.ok) throw new Error(`checkpoint ${round}: ${weights.error.message}`);
    return { model, weights: weights.data };
  }
}
