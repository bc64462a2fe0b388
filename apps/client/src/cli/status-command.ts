import { access } from 'node:fs/promises';
import { readKeyFile } from '@fedfuse/crypto';

import type { ExitCode } from '../errors.ts';
import { dataConfigPath, type PrivacyPolicy } from '../store/client-config.ts';
import type { Enrollment } from '../store/enrollment-file.ts';
import { ModelStore } from '../store/model-store.ts';
import { openEnrollment, openSite } from '../store/open-site.ts';
import { PendingStore } from '../store/pending-store.ts';
import { PrivacyLedger } from '../store/privacy-ledger.ts';
import { StateFile, type SiteState } from '../store/state-file.ts';
import { siteDir } from './flags.ts';
import { print, type CliIo } from './cli-io.ts';

/** What `status` reports (also its --json output). */
export interface SiteStatusReport {
  dir: string;
  siteName: string;
  siteKey: { path: string; fingerprint?: string; problem?: string };
  data: string | null;
  backend: string;
  enrollment:
    | (Pick<Enrollment, 'siteId' | 'coordinatorUrl' | 'fingerprint' | 'status'> & { enrolledAt?: number })
    | null;
  models: { modelHash: string; bytes: number; storedAt: number; roundId?: string }[];
  pending: { roundId: string; roundNumber: number; createdAt: number }[];
  state: SiteState;
  /** client.yaml's privacy rules and the ε each run spent, as this site accounted it (privacy.json). */
  privacy: {
    policy: PrivacyPolicy;
    runs: { runId: string; epsilon: number; delta: number; rounds: number; maxEpsilon: number | null }[];
    /** Record-level DP-SGD: each run's per-patient ε at this site, accounted apart. */
    recordLevel: {
      runId: string;
      epsilon: number;
      delta: number;
      epochs: number;
      maxEpsilon: number | null;
    }[];
  };
}

function privacyStatus(policy: PrivacyPolicy, ledger: PrivacyLedger): SiteStatusReport['privacy'] {
  return {
    policy,
    runs: ledger.all().map(([runId, b]) => ({
      runId,
      epsilon: b.epsilon,
      delta: b.delta,
      rounds: b.rounds.length,
      maxEpsilon: b.maxEpsilon,
    })),
    recordLevel: ledger.allRecordLevel().map(([runId, b]) => ({
      runId,
      epsilon: b.epsilon,
      delta: b.delta,
      epochs: b.rounds.reduce((sum, r) => sum + r.epochs, 0),
      maxEpsilon: b.maxEpsilon,
    })),
  };
}

/** Flags of `status` (declared in program.ts). */
export interface StatusFlags {
  dir?: string;
  json?: boolean;
}

/** `fedfuse-client status`: enrollment, pinned fingerprint, stored models and recent rounds, offline. */
export async function statusCommand(flags: StatusFlags, io: CliIo): Promise<ExitCode> {
  const report = await gatherStatus(siteDir(flags.dir, io));
  if (flags.json) print(io, JSON.stringify(report, null, 2));
  else print(io, ...formatStatus(report));
  return 0;
}

/** Collect the status of the site folder `dir` (client.yaml must exist). */
export async function gatherStatus(dir: string): Promise<SiteStatusReport> {
  const { paths, config } = await openSite(dir);
  const pending = new PendingStore(paths.pending);
  await pending.load();
  const enrolled = await access(paths.enrollment).then(
    () => true,
    () => false,
  );
  const enrollment = enrolled ? await openEnrollment(paths) : null;
  return {
    dir: paths.dir,
    siteName: config.siteName,
    siteKey: await keyStatus(paths.keyFile),
    data: dataConfigPath(config, paths.dir) ?? null,
    backend: config.backend,
    enrollment: enrollment && {
      siteId: enrollment.siteId,
      coordinatorUrl: config.coordinatorUrl || enrollment.coordinatorUrl,
      fingerprint: enrollment.fingerprint,
      status: enrollment.status,
      enrolledAt: enrollment.enrolledAt,
    },
    models: (await new ModelStore(paths.models).list()).map((m) => ({
      modelHash: m.modelHash,
      bytes: m.bytes,
      storedAt: m.storedAt,
      roundId: m.meta?.roundId,
    })),
    pending: pending.all().map((p) => ({
      roundId: p.record.roundId,
      roundNumber: p.record.roundNumber,
      createdAt: p.record.createdAt,
    })),
    state: await new StateFile(paths.state).read(),
    privacy: privacyStatus(config.privacy, await PrivacyLedger.open(paths.privacy)),
  };
}

async function keyStatus(path: string): Promise<SiteStatusReport['siteKey']> {
  try {
    const identity = await readKeyFile(path);
    const fingerprint = identity.fingerprint();
    identity.close();
    return { path, fingerprint };
  } catch (err) {
    return { path, problem: err instanceof Error ? err.message : String(err) };
  }
}

const when = (ms: number | undefined) => (ms === undefined ? 'unknown' : new Date(ms).toISOString());

/** The status as aligned text lines. */
export function formatStatus(r: SiteStatusReport): string[] {
  const e = r.enrollment;
  const lines: [string, string][] = [
    ['Site folder', r.dir],
    ['Site name', r.siteName],
    [
      'Site key',
      r.siteKey.fingerprint
        ? `${r.siteKey.path} (fingerprint ${r.siteKey.fingerprint})`
        : `${r.siteKey.path}: ${r.siteKey.problem ?? 'missing'}`,
    ],
    ['Data config', r.data ?? 'not set (edit client.yaml)'],
    ['Backend', r.backend],
    [
      'Enrollment',
      e
        ? `site ${e.siteId} at ${e.coordinatorUrl} (status at enrollment: ${e.status}, ${when(e.enrolledAt)})`
        : 'not enrolled (run fedfuse-client enroll)',
    ],
    ['Coordinator fingerprint', e ? `${e.fingerprint} (pinned)` : '-'],
    [
      'Models stored',
      r.models.length === 0
        ? 'none'
        : r.models
            .map(
              (m) => `${m.modelHash.slice(0, 12)} (${(m.bytes / 1024).toFixed(1)} KiB, ${when(m.storedAt)})`,
            )
            .join('; '),
    ],
    [
      'Results to send',
      r.pending.length === 0
        ? 'none'
        : r.pending.map((p) => `round ${p.roundNumber} (${p.roundId})`).join('; '),
    ],
    ['Last trained', formatTrained(r.state)],
    ['Last evaluated', formatEvaluated(r.state)],
    ['Privacy policy', formatPolicy(r.privacy.policy)],
    ['Privacy budget', formatBudget(r.privacy.runs)],
    ['Record-level ε', formatRecordLevel(r.privacy.recordLevel)],
  ];
  const width = Math.max(...lines.map(([k]) => k.length));
  return lines.map(([k, v]) => `${k.padEnd(width)}  ${v}`);
}

function formatTrained(state: SiteState): string {
  const t = state.lastTrained;
  if (!t) return 'never';
  const loss = t.loss === undefined ? '' : `, loss ${t.loss.toFixed(4)}`;
  return `round ${t.roundNumber} (${t.roundId}), ${t.numExamples} examples${loss}, accepted ${when(t.acceptedAt)}`;
}

function formatEvaluated(state: SiteState): string {
  const e = state.lastEvaluated;
  if (!e) return 'never';
  const auc = Object.entries(e.auc)
    .map(([task, v]) => `${task} ${v.toFixed(3)}`)
    .join(', ');
  return `round ${e.roundNumber} (${e.roundId}), ${e.numExamples} examples${auc ? `, AUC ${auc}` : ''}, accepted ${when(e.acceptedAt)}`;
}

function formatPolicy(policy: PrivacyPolicy): string {
  const rules = [
    policy.maxEpsilon === undefined ? undefined : `maxEpsilon ${policy.maxEpsilon}`,
    policy.requireSecureAggregation ? 'requires secure aggregation' : undefined,
    policy.minSites === undefined ? undefined : `minSites ${policy.minSites}`,
  ].filter((rule) => rule !== undefined);
  return rules.length === 0 ? 'none (client.yaml privacy)' : rules.join(', ');
}

function formatBudget(runs: SiteStatusReport['privacy']['runs']): string {
  if (runs.length === 0) return 'no differentially private round taken';
  return runs
    .map((run) => {
      const limit = run.maxEpsilon === null ? 'no limit' : String(run.maxEpsilon);
      return `run ${run.runId}: ε ${run.epsilon.toFixed(3)} / ${limit} (δ ${run.delta}, ${run.rounds} rounds)`;
    })
    .join('; ');
}

function formatRecordLevel(runs: SiteStatusReport['privacy']['recordLevel']): string {
  if (runs.length === 0) return 'no record-level DP-SGD round taken';
  return runs
    .map((run) => {
      const limit = run.maxEpsilon === null ? 'no limit' : String(run.maxEpsilon);
      return `run ${run.runId}: ε ${run.epsilon.toFixed(3)} / ${limit} per patient (δ ${run.delta.toExponential(2)}, ${run.epochs} epochs)`;
    })
    .join('; ');
}
