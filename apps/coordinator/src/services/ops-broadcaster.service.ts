import { Injectable } from '@nestjs/common';
import type { Namespace } from 'socket.io';
import type {
  AuditEntry,
  RoundProgress,
  RunMetrics,
  RunSummary,
  SiteSummary,
  FederationSnapshot,
} from '@fedfuse/protocol';
import { OpsEvent } from '@fedfuse/protocol';

interface Broadcasts {
  siteUpdated: SiteSummary;
  runUpdated: RunSummary;
  roundProgressed: RoundProgress;
  metricsRecorded: RunMetrics;
  auditAppended: AuditEntry;
  federationSynced: FederationSnapshot;
}

/** Pushes events to every authenticated dashboard on /ops (a no-op until the gateway is up). */
@Injectable()
export class OpsBroadcaster {
  private namespace?: Namespace;

  attach(namespace: Namespace): void {
    this.namespace = namespace;
  }

  emit<TKey extends keyof Broadcasts>(key: TKey, payload: Broadcasts[TKey]): void {
    this.namespace?.to('operators').emit(OpsEvent[key], payload);
  }
}
