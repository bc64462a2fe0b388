import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AuditEntry } from '@fedfuse/protocol';
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

/** Records who did what, logs it, and shows it live on the dashboard. */
@Injectable()
export class AuditService {
  private readonly logger = new Logger('audit');

  constructor(
    @Inject(AuditRepository) private readonly audit: AuditRepository,
    @Inject(OpsBroadcaster) private readonly ops: OpsBroadcaster,
  ) {}

  async record(entry: AuditRecord): Promise<AuditEntry> {
    const auditEntry: AuditEntry = {
      id: randomUUID(),
      at: Date.now(),
      actor: entry.actor,
      action: entry.action,
      subject: entry.subject ?? null,
      outcome: entry.outcome ?? 'ok',
      details: entry.details ?? {},
    };
    await this.audit.append(auditEntry);
    const { actor, action, subject, outcome } = auditEntry;
    const details = entry.details ? ` ${JSON.stringify(entry.details)}` : '';
    const text = `${actor.kind}:${actor.id} ${action}${subject ? ` ${subject}` : ''} ${outcome}${details}`;
    if (outcome === 'ok') this.logger.log(text);
    else this.logger.warn(text);
    this.ops.emit('auditAppended', auditEntry);
    return auditEntry;
  }
}
