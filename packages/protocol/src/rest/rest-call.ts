import type { Ack } from '../errors.ts';
import { parseOrError } from '../parse.ts';
import type {
  JsonRouteName,
  RestBody,
  RestPathParams,
  RestResult,
  RestRouteName,
  RestRoutes,
} from './routes.ts';
import { restPath, restRoutes } from './routes.ts';

type HasParams<K extends RestRouteName> = RestRoutes[K] extends { params: unknown } ? true : false;

/** What a client passes to call route K: its path parameters (when it has any), body and query. */
export type RestCallArgs<K extends RestRouteName> = (HasParams<K> extends true
  ? { params: RestPathParams<K> }
  : { params?: undefined }) & {
  body?: RestBody<K>;
  query?: Record<string, string | number | boolean | null | undefined>;
};

/** The HTTP request for a call of route K: method, path with its query, and the JSON body if any. */
export interface RestRequest {
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
}

/**
 * The request a client sends for route K; query values left undefined or null are left out.
 * @example restRequest('getRun', { params: { id } }) // { method: 'GET', path: '/api/runs/…' }
 */
export function restRequest<K extends RestRouteName>(name: K, args: RestCallArgs<K>): RestRequest {
  const route = restRoutes[name];
  const params = (args.params ?? {}) as Record<string, string | number>;
  const base = (restPath as (n: RestRouteName, p: Record<string, string | number>) => string)(name, params);
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(args.query ?? {}))
    if (value !== undefined && value !== null) search.set(key, String(value));
  const query = search.size > 0 ? `?${search.toString()}` : '';
  return {
    method: route.method,
    path: `${base}${query}`,
    ...(args.body === undefined ? {} : { body: args.body }),
  };
}

/** Parses route K's JSON answer with its response schema, naming the field that does not fit. */
export function parseRestReply<K extends JsonRouteName>(name: K, raw: unknown): Ack<RestResult<K>> {
  return parseOrError(restRoutes[name].response, raw) as Ack<RestResult<K>>;
}
