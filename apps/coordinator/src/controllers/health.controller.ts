import { Controller, Get, Header, Inject, UseGuards } from '@nestjs/common';
import type { Database } from '../persistence/database.ts';
import { MetricsService } from '../services/metrics.service.ts';
import { OperatorGuard } from './operator.guard.ts';
import { DATABASE } from '../tokens.ts';

/** Liveness (public) and Prometheus metrics (operator token: they describe the federation and the process). */
@Controller()
export class HealthController {
  constructor(
    @Inject(DATABASE) private readonly database: Database,
    private readonly metrics: MetricsService,
  ) {}

  @Get('healthz')
  health() {
    return { status: 'ok', database: this.database.dialect };
  }

  @Get('metrics')
  @UseGuards(OperatorGuard)
  @Header('content-type', 'text/plain; version=0.0.4')
  prometheus() {
    return this.metrics.render();
  }
}
