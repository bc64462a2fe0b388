import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AuditEntry } from '@fedfuse/protocol';
import type { AuditRow } from '../repositories/audit.repository.ts';
import { AuditRepository } from '../repositories/audit.repository.ts';
import { OpsBroadcaster } from './ops-broadcaster.service.ts';

type Detail = string | number | boolean | null;

export interface AuditRecord {
  actor: AuditEntry['actor'];
  action: string;
  subject?: string;
  outcome?: AuditEntry['outcome'];
  details?: Record<string, Detail>;
}

/** An audit row as the dashboard and the REST API show it. */
export function toAuditEntry(row: AuditRow): AuditEntry {
  return {
    id: row.id,
    at: row.at,
    actor: { kind: row.actor_kind, id: row.actor_id },
    action: row.action,
    subject: row.subject,
    outcome: row.outcome,
    details: row.details ? (JSON.parse(row.details) as Record<string, Detail>) : {},
  };
}

/** Records who did what, logs it, and shows it live on the dashboard. */
@Injectable()
export class AuditService {
  private readonly logger = new Logger('audit');

  constructor(
    @Inject(AuditRepository) private readonly audit: AuditRepository,
    @Inject(OpsBroadcaster) private readonly ops: OpsBroadcaster,
  ) {}

  async record(entry: AuditRecord): Promise<AuditEntry> {
    const row: AuditRow = {
      id: randomUUID(),
      at: Date.now(),
      actor_kind: entry.actor.kind,
      actor_id: entry.actor.id,
      action: entry.action,
      subject: entry.subject ?? null,
      outcome: entry.outcome ?? 'ok',
      details: entry.details ? JSON.stringify(entry.details) : null,
    };
    await this.audit.append(row);
    const text = `${row.actor_kind}:${row.actor_id} ${row.action}${row.subject ? ` ${row.subject}` : ''} ${row.outcome}`;
    if (row.outcome === 'ok') this.logger.log(`${text}${row.details ? ` ${row.details}` : ''}`);
    else this.logger.warn(`${text}${row.details ? ` ${row.details}` : ''}`);
    const auditEntry = toAuditEntry(row);
    this.ops.emit('auditAppended', auditEntry);
    return auditEntry;
  }
}
