import type { JsonRouteName, RestCallArgs, RestResult } from '@fedfuse/protocol';
import { parseRestReply, restPath, restRequest } from '@fedfuse/protocol';

/** A failed API call as the operator should read it: HTTP status, the coordinator's code and message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** One line for a banner, e.g. `400 invalid_payload: rounds: Too small`. */
  describe(): string {
    return `${this.status > 0 ? `${this.status} ` : ''}${this.code}: ${this.message}`;
  }
}

/** Turns an error body into an ApiError; Nest answers `{ code, message }` or `{ statusCode, error, message }`. */
export function errorFromBody(status: number, body: unknown, statusText = ''): ApiError {
  const record = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const rawMessage = record.message;
  const message = Array.isArray(rawMessage)
    ? rawMessage.map(String).join('; ')
    : typeof rawMessage === 'string'
      ? rawMessage
      : typeof body === 'string' && body
        ? body.slice(0, 300)
        : statusText || 'request failed';
  const code =
    typeof record.code === 'string'
      ? record.code
      : status === 401
        ? 'unauthenticated'
        : typeof record.error === 'string'
          ? record.error.toLowerCase().replaceAll(' ', '_')
          : `http_${status}`;
  return new ApiError(status, code, message);
}

export interface ApiClientOptions {
  /** Origin of the coordinator, '' for the page's own origin. */
  baseUrl: string;
  token: string;
  fetchImpl?: typeof fetch;
}

/** Typed, validated calls to the coordinator's REST API with the operator's bearer token. */
export class ApiClient {
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: ApiClientOptions) {
    this.fetchImpl = options.fetchImpl ?? ((input, init) => fetch(input, init));
  }

  /**
   * Calls route `name` of the protocol's route table and parses the answer with its schema.
   * @example await api.call('getRun', { params: { id: runId } })
   */
  async call<K extends JsonRouteName>(name: K, args: RestCallArgs<K>): Promise<RestResult<K>> {
    const request = restRequest(name, args);
    const parsed = parseRestReply(name, await this.json(request.method, request.path, request.body));
    if (parsed.ok) return parsed.data;
    throw new ApiError(200, 'unexpected_response', `${request.path}: ${parsed.error.message}`);
  }

  /** A checkpoint file as bytes (the download needs the bearer token, so a plain link won't do). */
  async checkpointFile(args: {
    id: string;
    round: number;
    file: 'model.json' | 'weights.bin';
  }): Promise<Blob> {
    const path =
      args.file === 'model.json'
        ? restPath('checkpointModel', { id: args.id, round: args.round })
        : restPath('checkpointWeights', { id: args.id, round: args.round });
    return (await this.request('GET', path)).blob();
  }

  private async json(method: string, path: string, body?: unknown): Promise<unknown> {
    const response = await this.request(method, path, body);
    const text = await response.text();
    try {
      return text ? (JSON.parse(text) as unknown) : undefined;
    } catch {
      throw new ApiError(
        response.status,
        'invalid_response',
        `${path} answered with something other than JSON`,
      );
    }
  }

  private async request(method: string, path: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.options.token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.options.baseUrl}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new ApiError(0, 'unreachable', `coordinator unreachable (${(error as Error).message})`);
    }
    if (response.ok) return response;
    const text = await response.text().catch(() => '');
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text) as unknown;
    } catch {
      // Not JSON (a proxy's HTML error page, say): the text itself is the message.
    }
    throw errorFromBody(response.status, parsed, response.statusText);
  }
}
