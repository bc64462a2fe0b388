import { Controller, Header, Inject, UseGuards } from '@nestjs/common';
import type { RestReply } from '@fedfuse/protocol';
import type { Database } from '../persistence/database.ts';
import { MetricsService } from '../services/metrics.service.ts';
import { OperatorGuard } from './operator.guard.ts';
import { DATABASE } from '../tokens.ts';
import { RestRoute } from './rest-route.ts';

/** Liveness (public) and Prometheus metrics (operator token: they describe the federation and the process). */
@Controller()
export class HealthController {
  constructor(
    @Inject(DATABASE) private readonly database: Database,
    private readonly metrics: MetricsService,
  ) {}

  @RestRoute('health')
  health(): RestReply<'health'> {
    return { status: 'ok', database: this.database.dialect };
  }

  @RestRoute('metrics')
  @UseGuards(OperatorGuard)
  @Header('content-type', 'text/plain; version=0.0.4')
  prometheus() {
    return this.metrics.render();
  }
}
