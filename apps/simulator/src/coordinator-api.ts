import { z } from 'zod';

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
  metrics: z.object({ tasks: z.record(z.string(), PooledTask), sites: z.array(z.string()) }).nullable(),
  failure: z.string().nullable().optional(),
});
export type RoundView = z.infer<typeof RoundView>;

export const RunView = z.object({
  runId: z.string(),
  state: z.string(),
  roundsPlanned: z.int(),
  roundsCompleted: z.int(),
  failure: z.string().nullable().optional(),
});
export type RunView = z.infer<typeof RunView>;

export const SiteView = z.object({
  siteId: z.string(),
  name: z.string(),
  status: z.string(),
  connected: z.boolean(),
});
export type SiteView = z.infer<typeof SiteView>;

const ModelJson = z.object({
  weightsManifest: z.array(
    z.object({ weights: z.array(z.object({ name: z.string(), shape: z.array(z.int()) })) }),
  ),
  userDefinedMetadata: z.object({ modelSpec: z.record(z.string(), z.unknown()), round: z.int() }),
});
export type ModelJson = z.infer<typeof ModelJson>;

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
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(
        `coordinator ${request.path}: unexpected response at ${issue?.path.join('.')}: ${issue?.message}`,
      );
    }
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

  /** A committed checkpoint: its model spec, tensor layout and raw little-endian float32 weights. */
  async checkpoint(runId: string, round: number): Promise<{ model: ModelJson; weights: Float32Array }> {
    const base = `/api/runs/${runId}/checkpoints/${round}`;
    const model = await this.json(ModelJson, { method: 'GET', path: `${base}/model.json` });
    const bytes = new Uint8Array(await (await this.call('GET', `${base}/weights.bin`)).arrayBuffer());
    if (bytes.byteLength % 4 !== 0)
      throw new Error(`checkpoint ${round}: ${bytes.byteLength} bytes is not float32 data`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const weights = new Float32Array(bytes.byteLength / 4);
    for (let i = 0; i < weights.length; i++) weights[i] = view.getFloat32(i * 4, true);
    const expected = model.weightsManifest
      .flatMap((group) => group.weights)
      .reduce((sum, w) => sum + w.shape.reduce((a, b) => a * b, 1), 0);
    if (expected !== weights.length) {
      throw new Error(
        `checkpoint ${round}: manifest describes ${expected} values, weights.bin holds ${weights.length}`,
      );
    }
    return { model, weights };
  }
}
