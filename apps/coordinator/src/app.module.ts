import { Module } from '@nestjs/common';
import type { DynamicModule, OnApplicationShutdown } from '@nestjs/common';
import { Inject } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { HandshakeGate } from './admission/handshake-gate.service.ts';
import { SiteMessageLimit } from './admission/site-message-limit.service.ts';
import { SiteRefusals } from './admission/site-refusals.service.ts';
import { StrangerRefusals } from './admission/stranger-refusals.service.ts';
import { AuditController } from './controllers/audit.controller.ts';
import { FlController } from './controllers/fl.controller.ts';
import { HealthController } from './controllers/health.controller.ts';
import { OperatorGuard } from './controllers/operator.guard.ts';
import { RunsController } from './controllers/runs.controller.ts';
import { SitesController } from './controllers/sites.controller.ts';
import { FederationController } from './controllers/federation.controller.ts';
import type { CoordinatorSettings } from './env.ts';
import { FlGateway } from './gateways/fl.gateway.ts';
import { OpsGateway } from './gateways/ops.gateway.ts';
import type { Database } from './persistence/database.ts';
import { AuditRepository } from './repositories/audit.repository.ts';
import { EnrollmentTokensRepository } from './repositories/enrollment-tokens.repository.ts';
import { FileStoreRepository } from './repositories/file-store.repository.ts';
import { IdentityRepository } from './repositories/identity.repository.ts';
import { RoundsRepository } from './repositories/rounds.repository.ts';
import { RunsRepository } from './repositories/runs.repository.ts';
import { SitesRepository } from './repositories/sites.repository.ts';
import { AuditService } from './services/audit.service.ts';
import { ConnectionsService } from './services/connections.service.ts';
import { GlobalModelService } from './services/global-model.service.ts';
import { GlobalWeightsService } from './services/global-weights.service.ts';
import { MetricsService } from './services/metrics.service.ts';
import { OperatorAuthService } from './services/operator-auth.service.ts';
import { OperatorTokenService } from './services/operator-token.service.ts';
import { OpsBroadcaster } from './services/ops-broadcaster.service.ts';
import { OpsSnapshotService } from './services/ops-snapshot.service.ts';
import { RegistryService } from './services/registry.service.ts';
import { RoundInstructionsService } from './services/round-instructions.service.ts';
import { SecAggRoundsService } from './services/secagg-rounds.service.ts';
import { RoundService } from './services/round.service.ts';
import { RoundAggregationService } from './services/round-aggregation.service.ts';
import { RoundSums } from './services/round-sums.service.ts';
import { StoredDeltas } from './services/stored-deltas.service.ts';
import { RoundCancellationService } from './services/round-cancellation.service.ts';
import { RoundEvaluationService } from './services/round-evaluation.service.ts';
import { RoundProgressService } from './services/round-progress.service.ts';
import { RoundSitesService } from './services/round-sites.service.ts';
import { RoundPrivacyService } from './services/round-privacy.service.ts';
import { RoundStartService } from './services/round-start.service.ts';
import type { Clock } from './services/clock.ts';
import { systemClock } from './services/clock.ts';
import { SiteFailuresService } from './services/site-failures.service.ts';
import { RunLocks } from './services/run-locks.service.ts';
import { RunService } from './services/run.service.ts';
import { RunSummariesService } from './services/run-summaries.service.ts';
import { SiteAuthService } from './services/site-auth.service.ts';
import { SitePresenceService } from './services/site-presence.service.ts';
import { SiteSummariesService } from './services/site-summaries.service.ts';
import { SiteSyncService } from './services/site-sync.service.ts';
import { SpecAgreementService } from './services/spec-agreement.service.ts';
import { SubmissionsService } from './services/submissions.service.ts';
import { TransfersService } from './services/transfers.service.ts';
import { UpdateScreeningService } from './services/update-screening.service.ts';
import { CLOCK, DATABASE, SETTINGS } from './tokens.ts';

class DatabaseCloser implements OnApplicationShutdown {
  constructor(@Inject(DATABASE) private readonly database: Database) {}

  async onApplicationShutdown(): Promise<void> {
    await this.database.close();
  }
}

/** The coordinator: repositories → services → gateways and controllers, wired for one data directory. */
@Module({})
export class AppModule {
  static forRoot(context: {
    settings: CoordinatorSettings;
    database: Database;
    clock?: Clock;
  }): DynamicModule {
    return {
      module: AppModule,
      imports: [ScheduleModule.forRoot()],
      controllers: [
        HealthController,
        SitesController,
        RunsController,
        FederationController,
        AuditController,
        FlController,
      ],
      providers: [
        { provide: SETTINGS, useValue: context.settings },
        { provide: DATABASE, useValue: context.database },
        DatabaseCloser,
        SitesRepository,
        EnrollmentTokensRepository,
        RunsRepository,
        RoundsRepository,
        AuditRepository,
        FileStoreRepository,
        IdentityRepository,
        OperatorTokenService,
        OpsBroadcaster,
        AuditService,
        OperatorAuthService,
        OperatorGuard,
        // Issue 13, stranger suite: refusals folded, budgets at the site doors and per site.
        StrangerRefusals,
        SiteRefusals,
        HandshakeGate,
        SiteMessageLimit,
        ConnectionsService,
        TransfersService,
        UpdateScreeningService,
        StoredDeltas,
        RoundSums,
        GlobalModelService,
        GlobalWeightsService,
        RunLocks,
        SpecAgreementService,
        SiteSummariesService,
        SitePresenceService,
        RunSummariesService,
        RoundInstructionsService,
        SiteFailuresService,
        { provide: CLOCK, useValue: context.clock ?? systemClock },
        RoundProgressService,
        RoundSitesService,
        RoundCancellationService,
        RoundStartService,
        RoundPrivacyService,
        RoundAggregationService,
        RoundEvaluationService,
        RoundService,
        SecAggRoundsService,
        SubmissionsService,
        SiteSyncService,
        RegistryService,
        SiteAuthService,
        RunService,
        OpsSnapshotService,
        MetricsService,
        FlGateway,
        OpsGateway,
      ],
    };
  }
}
