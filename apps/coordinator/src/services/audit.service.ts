import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AuditEntry } from '@fedfuse/protocol';
import { AuditRepository, auditDetails } from '../repositories/audit.repository.ts';
import { CLOCK } from '../tokens.ts';
import type { Clock } from './clock.ts';
import { OpsBroadcaster } from './ops-broadcaster.service.ts';

export interface AuditRecord {
  actor: AuditEntry['actor'];
  action: string;
  subject?: string;
  outcome?: AuditEntry['outcome'];
  /** Nested values are stored as JSON text and long text is cut (see auditDetails). */
  details?: Record<string, unknown>;
}

/** Records who did what, logs it, and shows it live on the dashboard. */
@Injectable()
export class AuditService {
  private readonly logger = new Logger('audit');

  constructor(
    private readonly audit: AuditRepository,
    private readonly ops: OpsBroadcaster,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async record(entry: AuditRecord): Promise<AuditEntry> {
    const auditEntry: AuditEntry = {
      id: randomUUID(),
      at: this.clock.now(),
      actor: entry.actor,
      action: entry.action,
      subject: entry.subject ?? null,
      outcome: entry.outcome ?? 'ok',
      details: auditDetails(entry.details ?? {}),
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
