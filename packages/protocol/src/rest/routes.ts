import { z } from 'zod';

import { AuditEntry, AuditPage } from '../audit.ts';
import { CheckpointModelJson } from '../checkpoint-files.ts';
import { FederationSnapshot, SiteSummary } from '../ops.ts';
import {
  AuditListQuery,
  AuditPageQuery,
  CheckpointParams,
  RunActionParams,
  RunParams,
  SiteActionParams,
  SiteParams,
  TokenRequest,
} from './params.ts';
import { RunConfig } from './run-config.ts';
import {
  Checkpoint,
  CreatedToken,
  DerivedModelSpec,
  Health,
  Rejection,
  RoundView,
  RunDetail,
  RunView,
  SiteDetail,
  TokenInfo,
} from './views.ts';

/** One operator REST route: method, path pattern (`:name` params) and the schemas of what crosses it. */
export interface RestRoute {
  method: 'GET' | 'POST';
  path: `/${string}`;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /** The JSON answer; absent where the answer is not JSON (metrics text, checkpoint bytes). */
  response?: z.ZodType;
}

/** The coordinator's operator REST API: the controllers, the dashboard, the simulator and tests use it. */
export const restRoutes = {
  health: { method: 'GET', path: '/healthz', response: Health },
  metrics: { method: 'GET', path: '/metrics' },
  federation: { method: 'GET', path: '/api/federation', response: FederationSnapshot },
  modelSpec: { method: 'GET', path: '/api/federation/model-spec', response: DerivedModelSpec },
  auditList: { method: 'GET', path: '/api/audit', query: AuditListQuery, response: z.array(AuditEntry) },
  auditPage: { method: 'GET', path: '/api/audit/page', query: AuditPageQuery, response: AuditPage },
  listRuns: { method: 'GET', path: '/api/runs', response: z.array(RunView) },
  createRun: { method: 'POST', path: '/api/runs', body: RunConfig, response: RunView },
  getRun: { method: 'GET', path: '/api/runs/:id', params: RunParams, response: RunDetail },
  actOnRun: { method: 'POST', path: '/api/runs/:id/:action', params: RunActionParams, response: RunView },
  runRounds: { method: 'GET', path: '/api/runs/:id/rounds', params: RunParams, response: z.array(RoundView) },
  runCheckpoints: {
    method: 'GET',
    path: '/api/runs/:id/checkpoints',
    params: RunParams,
    response: z.array(Checkpoint),
  },
  checkpointModel: {
    method: 'GET',
    path: '/api/runs/:id/checkpoints/:round/model.json',
    params: CheckpointParams,
    response: CheckpointModelJson,
  },
  checkpointWeights: {
    method: 'GET',
    path: '/api/runs/:id/checkpoints/:round/weights.bin',
    params: CheckpointParams,
  },
  listSites: { method: 'GET', path: '/api/sites', response: z.array(SiteDetail) },
  siteRejections: {
    method: 'GET',
    path: '/api/sites/:id/rejections',
    params: SiteParams,
    response: z.array(Rejection),
  },
  actOnSite: {
    method: 'POST',
    path: '/api/sites/:id/:action',
    params: SiteActionParams,
    response: SiteSummary,
  },
  listTokens: { method: 'GET', path: '/api/tokens', response: z.array(TokenInfo) },
  createToken: { method: 'POST', path: '/api/tokens', body: TokenRequest, response: CreatedToken },
} as const satisfies Record<string, RestRoute>;

export type RestRoutes = typeof restRoutes;
export type RestRouteName = keyof RestRoutes;
/** Routes whose answer is JSON with a schema. */
export type JsonRouteName = {
  [K in RestRouteName]: RestRoutes[K] extends { response: z.ZodType } ? K : never;
}[RestRouteName];

type ResponseOf<K extends RestRouteName> = RestRoutes[K] extends { response: infer S extends z.ZodType }
  ? S
  : never;
/** What a controller must answer on route K (the response schema's input: before defaults). */
export type RestReply<K extends JsonRouteName> = z.input<ResponseOf<K>>;
/** What a client holds after parsing route K's answer. */
export type RestResult<K extends JsonRouteName> = z.output<ResponseOf<K>>;
/** The request body route K takes, as a client sends it. */
export type RestBody<K extends RestRouteName> = RestRoutes[K] extends { body: infer S extends z.ZodType }
  ? z.input<S>
  : never;

type ParamNames<TPath extends string> = TPath extends `${string}:${infer Name}/${infer Rest}`
  ? Name | ParamNames<`/${Rest}`>
  : TPath extends `${string}:${infer Name}`
    ? Name
    : never;
/** The path parameters of route K, by name (a path builder's argument). */
export type RestPathParams<K extends RestRouteName> = Record<
  ParamNames<RestRoutes[K]['path']>,
  string | number
>;

/**
 * The concrete path of route K, parameters URL-encoded.
 * @example restPath('getRun', { id: runId }) // '/api/runs/0b6f…'
 */
export function restPath<K extends RestRouteName>(
  name: K,
  ...[params]: ParamNames<RestRoutes[K]['path']> extends never ? [] : [RestPathParams<K>]
): string {
  const values = (params ?? {}) as Record<string, string | number>;
  return restRoutes[name].path.replace(/:([A-Za-z]+)/g, (_, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`restPath(${name}): missing parameter ${key}`);
    return encodeURIComponent(String(value));
  });
}

type SchemaOutput<K extends RestRouteName, TPart extends 'params' | 'query' | 'body'> =
  RestRoutes[K] extends Record<TPart, infer S extends z.ZodType> ? z.output<S> : never;
/** Route K's path parameters after validation (`:round` is a number or `selected`/`last`). */
export type RestParams<K extends RestRouteName> = SchemaOutput<K, 'params'>;
/** Route K's query after validation, defaults filled in. */
export type RestQuery<K extends RestRouteName> = SchemaOutput<K, 'query'>;
/** Route K's body after validation, defaults filled in. */
export type RestParsedBody<K extends RestRouteName> = SchemaOutput<K, 'body'>;
