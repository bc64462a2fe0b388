import type { z } from 'zod';
import { formatIssues } from '@fedfuse/protocol';

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

  /** GETs `path` and validates the JSON answer with `schema`. */
  async get<TSchema extends z.ZodType>(path: string, schema: TSchema): Promise<z.output<TSchema>> {
    return parseAnswer(path, schema, await this.json('GET', path));
  }

  /** POSTs `body` as JSON to `path` and validates the answer with `schema`. */
  async post<TSchema extends z.ZodType>(
    path: string,
    schema: TSchema,
    body?: unknown,
  ): Promise<z.output<TSchema>> {
    return parseAnswer(path, schema, await this.json('POST', path, body));
  }

  /** GETs `path` as bytes (checkpoint downloads need the bearer token, so a plain link won't do). */
  async blob(path: string): Promise<Blob> {
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

function parseAnswer<TSchema extends z.ZodType>(
  path: string,
  schema: TSchema,
  raw: unknown,
): z.output<TSchema> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new ApiError(200, 'unexpected_response', `${path}: ${formatIssues(parsed.error.issues)}`);
}
