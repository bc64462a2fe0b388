import { Controller, UseGuards } from '@nestjs/common';
import type { RestQuery, RestReply } from '@fedfuse/protocol';
import { AuditRepository } from '../repositories/audit.repository.ts';
import { auditPage } from '../services/audit-pages.ts';
import { OpsSnapshotService } from '../services/ops-snapshot.service.ts';
import { OperatorGuard } from './operator.guard.ts';
import { RestQueryOf, RestRoute } from './rest-route.ts';

/** The audit log with filters, and the federation snapshot, for the operator. */
@Controller()
@UseGuards(OperatorGuard)
export class AuditController {
  constructor(
    private readonly audit: AuditRepository,
    private readonly snapshots: OpsSnapshotService,
  ) {}

  @RestRoute('auditList')
  async list(@RestQueryOf('auditList') query: RestQuery<'auditList'>): Promise<RestReply<'auditList'>> {
    return this.audit.list(query);
  }

  @RestRoute('auditPage')
  async page(@RestQueryOf('auditPage') query: RestQuery<'auditPage'>): Promise<RestReply<'auditPage'>> {
    const { cursor, ...filters } = query;
    return auditPage(this.audit, { ...filters, cursor: cursor ?? null });
  }

  @RestRoute('federation')
  federation(): Promise<RestReply<'federation'>> {
    return this.snapshots.snapshot();
  }
}
