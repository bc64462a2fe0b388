import { Controller, Get, Header, Inject } from '@nestjs/common';
import type { Database } from '../persistence/database.ts';
import { MetricsService } from '../services/metrics.service.ts';
import { DATABASE } from '../tokens.ts';

/** Liveness and Prometheus metrics (aggregate numbers only, no secrets). */
@Controller()
export class HealthController {
  constructor(
    @Inject(DATABASE) private readonly database: Database,
    @Inject(MetricsService) private readonly metrics: MetricsService,
  ) {}

  @Get('healthz')
  health() {
    return { status: 'ok', database: this.database.dialect };
  }

  @Get('metrics')
  @Header('content-type', 'text/plain; version=0.0.4')
  prometheus() {
    return this.metrics.render();
  }
}
