import { OpsEvent } from './event-names.ts';
import type { AckFn, EventSchemas } from './event-schema.ts';
import { AuditEntry, AuditPage, AuditQuery } from './audit.ts';
import {
  FederationSnapshot,
  RoundProgress,
  RunMetrics,
  RunSummary,
  SiteSummary,
  SnapshotRequest,
} from './ops.ts';

/** Events a dashboard emits on `/ops`. */
export interface OpsClientToServerEvents {
  [OpsEvent.federationSnapshot]: (req: SnapshotRequest, ack: AckFn<FederationSnapshot>) => void;
  [OpsEvent.auditList]: (query: AuditQuery, ack: AckFn<AuditPage>) => void;
}

/** Broadcasts the coordinator sends to dashboards on `/ops`. */
export interface OpsServerToClientEvents {
  [OpsEvent.federationSynced]: (snapshot: FederationSnapshot) => void;
  [OpsEvent.siteUpdated]: (site: SiteSummary) => void;
  [OpsEvent.runUpdated]: (run: RunSummary) => void;
  [OpsEvent.roundProgressed]: (progress: RoundProgress) => void;
  [OpsEvent.metricsRecorded]: (metrics: RunMetrics) => void;
  [OpsEvent.auditAppended]: (entry: AuditEntry) => void;
}

/** `socket.data` on `/ops`: the operator the connection was authenticated as, once it is. */
export interface OpsSocketData {
  operator?: { id: string; name: string };
}

/** Payload and ack schemas for every event a dashboard sends. */
export const opsClientEventSchemas = {
  [OpsEvent.federationSnapshot]: { payload: SnapshotRequest, ack: FederationSnapshot },
  [OpsEvent.auditList]: { payload: AuditQuery, ack: AuditPage },
} as const satisfies Record<keyof OpsClientToServerEvents, EventSchemas>;

/** Payload schemas for every broadcast on `/ops`. */
export const opsServerEventSchemas = {
  [OpsEvent.federationSynced]: { payload: FederationSnapshot },
  [OpsEvent.siteUpdated]: { payload: SiteSummary },
  [OpsEvent.runUpdated]: { payload: RunSummary },
  [OpsEvent.roundProgressed]: { payload: RoundProgress },
  [OpsEvent.metricsRecorded]: { payload: RunMetrics },
  [OpsEvent.auditAppended]: { payload: AuditEntry },
} as const satisfies Record<keyof OpsServerToClientEvents, EventSchemas>;
