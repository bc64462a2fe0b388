import { Controller, Get, Inject, Query, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { AuditCursor } from '@fedfuse/protocol';
import { AuditRepository } from '../repositories/audit.repository.ts';
import { auditPage } from '../services/audit-pages.ts';
import { toAuditEntry } from '../services/audit.service.ts';
import { OpsSnapshotService } from '../services/ops-snapshot.service.ts';
import { parseBody } from './ack-response.ts';
import { OperatorGuard } from './operator.guard.ts';

const AuditFilters = z.object({
  actorKind: z.enum(['operator', 'site', 'system']).optional(),
  actorId: z.string().max(200).optional(),
  action: z.string().max(100).optional(),
  outcome: z.enum(['ok', 'refused', 'failed']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
/** The original form: a bare array, paged by time (kept for scripts that use it). */
const AuditQuery = AuditFilters.extend({ before: z.coerce.number().int().optional() });
/** Keyset paging: `cursor` is the previous page's `nextCursor`; absent for the newest page. */
const AuditPageQuery = AuditFilters.extend({ cursor: AuditCursor.optional() });

/** The audit log with filters, and the federation snapshot, for the operator. */
@Controller('api')
@UseGuards(OperatorGuard)
export class AuditController {
  constructor(
    @Inject(AuditRepository) private readonly audit: AuditRepository,
    @Inject(OpsSnapshotService) private readonly snapshots: OpsSnapshotService,
  ) {}

  @Get('audit')
  async list(@Query() query: unknown) {
    return (await this.audit.list(parseBody(AuditQuery, query))).map(toAuditEntry);
  }

  @Get('audit/page')
  async page(@Query() query: unknown) {
    const { cursor, ...filters } = parseBody(AuditPageQuery, query);
    return auditPage(this.audit, { ...filters, cursor: cursor ?? null });
  }

  @Get('federation')
  federation() {
    return this.snapshots.snapshot();
  }
}
