import type {
  CheckpointModelJson,
  JsonRouteName,
  RestCallArgs,
  RestResult,
  RoundView,
  RunConfigInput,
  RunDetail,
  RunView,
  SiteDetail,
  Weights,
} from '@fedfuse/protocol';
import { parseRestReply, readCheckpointWeights, restPath, restRequest } from '@fedfuse/protocol';

// The slice of the coordinator's operator REST API the simulator drives: paths, bodies and answers are
// the protocol's route table, each answer parsed with its schema like any other boundary.

export type { PooledTask, RoundView, RunDetail, SiteDetail } from '@fedfuse/protocol';

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

  /** Calls route `name` and parses its answer with the route's schema. */
  private async json<K extends JsonRouteName>(name: K, args: RestCallArgs<K>): Promise<RestResult<K>> {
    const request = restRequest(name, args);
    const response = await this.call(request.method, request.path, request.body);
    const parsed = parseRestReply(name, await response.json());
    if (!parsed.ok)
      throw new Error(`coordinator ${request.path}: unexpected response: ${parsed.error.message}`);
    return parsed.data;
  }

  /** A one-time enrollment token; the site it enrolls is approved at once. */
  async createToken(label: string): Promise<string> {
    return (await this.json('createToken', { body: { label, autoApprove: true } })).token;
  }

  sites(): Promise<SiteDetail[]> {
    return this.json('listSites', {});
  }

  async createRun(config: RunConfigInput): Promise<string> {
    return (await this.json('createRun', { body: config })).runId;
  }

  startRun(runId: string): Promise<RunView> {
    return this.json('actOnRun', { params: { id: runId, action: 'start' } });
  }

  run(runId: string): Promise<RunDetail> {
    return this.json('getRun', { params: { id: runId } });
  }

  rounds(runId: string): Promise<RoundView[]> {
    return this.json('runRounds', { params: { id: runId } });
  }

  /** A committed checkpoint: its `model.json` and its weights, checked against the size and hash it names. */
  async checkpoint(runId: string, round: number): Promise<{ model: CheckpointModelJson; weights: Weights }> {
    const model = await this.json('checkpointModel', { params: { id: runId, round } });
    const weightsPath = restPath('checkpointWeights', { id: runId, round });
    const bytes = new Uint8Array(await (await this.call('GET', weightsPath)).arrayBuffer());
    const weights = await readCheckpointWeights(model, bytes);
    if (!weights.ok) throw new Error(`checkpoint ${round}: ${weights.error.message}`);
    return { model, weights: weights.data };
  }
}
