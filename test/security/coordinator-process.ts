import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COORDINATOR_BIN } from '@fedfuse/coordinator/bin-path';
import { startProcess } from '../e2e/processes.ts';
import type { Started } from '../e2e/processes.ts';
import type { JsonRouteName, RestCallArgs, RestResult } from '@fedfuse/protocol';
import { parseRestReply, restRequest } from '@fedfuse/protocol';

export const OPERATOR_TOKEN = 'security-suite-operator-token-0123456789';

export interface ApiOptions {
  body?: unknown;
  token?: string;
  headers?: Record<string, string>;
}

export interface ApiResponse<T> {
  status: number;
  body: T;
  headers: Headers;
}

export interface CoordinatorProcess extends Started {
  url: string;
  dataDir: string;
  /** A REST call with the operator token (or `token` when given, '' for none). */
  api<T = unknown>(method: string, path: string, options?: ApiOptions): Promise<ApiResponse<T>>;
  /** A call of a route of the protocol's table; a 2xx answer is parsed with the route's schema. */
  call<K extends JsonRouteName>(
    name: K,
    args: RestCallArgs<K> & Pick<ApiOptions, 'token' | 'headers'>,
  ): Promise<ApiResponse<RestResult<K> | undefined>>;
  /** SIGTERM, then resolves once the process has exited (Nest re-raises the signal after closing). */
  stop(): Promise<void>;
}

/**
 * Starts `fedfuse-coordinator` as its own process on a free loopback port, with a fresh data directory
 * (or `dataDir`) and the operator token in the environment; `env` adds or overrides variables.
 */
export async function startCoordinatorProcess(
  options: { dataDir?: string; env?: Record<string, string>; args?: string[] } = {},
): Promise<CoordinatorProcess> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'fedfuse-security-'));
  const started = await startProcess({
    bin: COORDINATOR_BIN,
    args: ['--data', dataDir, '--port', '0', ...(options.args ?? [])],
    env: { FEDFUSE_OPERATOR_TOKEN: OPERATOR_TOKEN, FEDFUSE_TICK_MS: '100', ...options.env },
    ready: 'fedfuse coordinator listening on ',
  });
  const url = /listening on (http:\/\/\S+)/.exec(started.output())![1]!;
  const process: CoordinatorProcess = {
    ...started,
    url,
    dataDir,
    async call(name, args) {
      const { method, path, body } = restRequest(name, args);
      const response = await process.api(method, path, { ...args, body });
      if (response.status >= 300) return { ...response, body: undefined };
      const parsed = parseRestReply(name, response.body);
      if (!parsed.ok) throw new Error(`${method} ${path}: ${parsed.error.message}`);
      return { ...response, body: parsed.data };
    },
    async api<T>(method: string, path: string, callOptions: ApiOptions = {}) {
      const token = callOptions.token ?? OPERATOR_TOKEN;
      const response = await fetch(`${url}${path}`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          'content-type': 'application/json',
          ...callOptions.headers,
        },
        body: callOptions.body === undefined ? undefined : JSON.stringify(callOptions.body),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // not JSON (e.g. /metrics text): the raw text is the body
      }
      return { status: response.status, body: parsed as T, headers: response.headers };
    },
    async stop() {
      const { child } = started;
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await exited;
    },
  };
  return process;
}

/** Writes `contents` to a fresh file readable only by its owner, for secrets passed by path. */
export function privateFile(contents: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'fedfuse-secret-')), 'secret');
  writeFileSync(path, contents, { mode: 0o600 });
  return path;
}
