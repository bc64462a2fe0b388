import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { vi } from 'vitest';
import { freePort, operatorRest } from '@fedfuse/coordinator/testing/operator-rest';
import { COORDINATOR_BIN } from '@fedfuse/coordinator/bin-path';
import { writeEhrOnlySite } from './ehr-only-site.ts';
import { startProcess, startSiteDaemon } from './processes.ts';

/** A coordinator process and its site daemons, each a real process, with the operator's REST client. */
export interface EhrOnlyFederation {
  api: ReturnType<typeof operatorRest>;
  children: ChildProcess[];
  /** Every process's output so far, for a failing test to print. */
  dumpOutputs(): void;
}

/**
 * Starts a coordinator under `root` and `sites` EHR-only daemons (cohort k from seed `firstSeed + k`), each
 * enrolled with an auto-approving token, and waits until every daemon has reported its data schema.
 */
export async function startEhrOnlyFederation(args: {
  root: string;
  operatorToken: string;
  sites: number;
  firstSeed: number;
  /** The `privacy:` block of site k's client.yaml, if it has one. */
  privacyYaml?: (site: number) => string | undefined;
}): Promise<EhrOnlyFederation> {
  const { root, operatorToken, sites } = args;
  const port = await freePort();
  const api = operatorRest(port, operatorToken);
  const children: ChildProcess[] = [];
  const outputs: { name: string; output: () => string }[] = [];
  const dumpOutputs = () => {
    for (const o of outputs) console.error(`----- ${o.name}\n${o.output().slice(-3000)}`);
  };
  try {
    await startProcesses();
  } catch (error) {
    // A federation that never came up leaves no process behind.
    for (const child of children) child.kill('SIGKILL');
    throw error;
  }
  return { api, children, dumpOutputs };

  async function startProcesses(): Promise<void> {
    const coordinator = await startProcess({
      bin: COORDINATOR_BIN,
      args: ['--data', join(root, 'coordinator'), '--port', String(port)],
      env: { FEDFUSE_TICK_MS: '100', FEDFUSE_OPERATOR_TOKEN: operatorToken },
      ready: 'listening on',
    });
    children.push(coordinator.child);
    outputs.push({ name: 'coordinator', output: coordinator.output });
    for (let k = 0; k < sites; k++) {
      const token = await api<{ token: string }>('POST /api/tokens', {
        label: `Cohort ${k}`,
        autoApprove: true,
      });
      const privacyYaml = args.privacyYaml?.(k);
      const daemon = await startSiteDaemon({
        dir: join(root, `daemon-${k}`),
        name: `Cohort ${k}`,
        data: writeEhrOnlySite(join(root, `cohort-${k}`), args.firstSeed + k),
        coordinatorUrl: `http://127.0.0.1:${port}`,
        token: token.token,
        ...(privacyYaml === undefined ? {} : { privacyYaml }),
      });
      children.push(daemon.child);
      outputs.push({ name: `daemon ${k}`, output: daemon.output });
    }
    await vi
      .waitFor(
        async () => {
          const spec = await api<{ sites: unknown[] }>('GET /api/federation/model-spec');
          if (spec.sites.length < sites) throw new Error(`${spec.sites.length} of ${sites} sites reported`);
        },
        { timeout: 90_000, interval: 200 },
      )
      .catch((error: unknown) => {
        dumpOutputs();
        throw error;
      });
  }
}
