import { Controller, Get, Inject, Query, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { AuditRepository } from '../repositories/audit.repository.ts';
import { toAuditEntry } from '../services/audit.service.ts';
import { OpsSnapshotService } from '../services/ops-snapshot.service.ts';
import { parseBody } from './ack-response.ts';
import { OperatorGuard } from './operator.guard.ts';

const AuditQuery = z.object({
  actorKind: z.enum(['operator', 'site', 'system']).optional(),
  actorId: z.string().max(200).optional(),
  action: z.string().max(100).optional(),
  outcome: z.enum(['ok', 'refused', 'failed']).optional(),
  before: z.coerce.number().int().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

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

  @Get('federation')
  federation() {
    return this.snapshots.snapshot();
  }
}
