import 'reflect-metadata';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { INestApplication, LogLevel } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { initBackend } from '@fedfuse/model';
import { AppModule } from './app.module.ts';
import { drainOnClose, keepIdleConnections } from './connection-drain.ts';
import type { CoordinatorSettings } from './env.ts';
import { ChunkRefusalsInterceptor } from './gateways/chunk-refusals.interceptor.ts';
import { HardenedIoAdapter } from './gateways/hardened-io.adapter.ts';
import { JsonLogger } from './log/json-logger.ts';
import { HandshakeGate } from './admission/handshake-gate.service.ts';
import { securityHeaders } from './security-headers.ts';
import { openDatabase } from './persistence/database.ts';
import { makeDataDirPrivate } from './private-data-dir.ts';
import { armCrashPoint } from './services/crash-points.ts';
import { IdentityRepository } from './repositories/identity.repository.ts';
import type { Clock } from './services/clock.ts';
import { OperatorTokenService } from './services/operator-token.service.ts';
import { SubmissionsService } from './services/submissions.service.ts';

export interface RunningCoordinator {
  app: INestApplication;
  url: string;
  port: number;
  operatorToken: string;
  fingerprint: string;
  close(): Promise<void>;
}

/** Starts a coordinator for `settings`: database and migrations, key pair, REST API and sockets. */
export async function startCoordinator(
  settings: CoordinatorSettings,
  /** `clock`: tests pass their own; the system clock otherwise. */
  options: { logger?: LogLevel[] | false; clock?: Clock } = {},
): Promise<RunningCoordinator> {
  const madePrivate = makeDataDirPrivate(settings.dataDir);
  armCrashPoint(settings.crashAt);
  await initBackend({ backend: 'auto', log: () => {} });
  const database = await openDatabase({
    url: settings.databaseUrl,
    sqlitePath: `${settings.dataDir}/coordinator.sqlite`,
  });
  const appModule = AppModule.forRoot({ settings, database, clock: options.clock });
  const app = await NestFactory.create<NestExpressApplication>(appModule, {
    // Structured lines (W4): a newline in a logged value cannot forge a line.
    logger: options.logger === false ? false : new JsonLogger(options.logger),
    bodyParser: true,
  });
  if (madePrivate) new Logger('data-dir').warn(madePrivate);
  const submissions = app.get(SubmissionsService);
  // Refused chunks and oversized messages are refusals like any other: logged, audited, counted.
  app.useGlobalInterceptors(new ChunkRefusalsInterceptor((refusal) => submissions.refuse(refusal)));
  app.useWebSocketAdapter(
    new HardenedIoAdapter(app, {
      onMessageTooLarge: ({ siteId, reason }) =>
        void submissions
          .refuse({ siteId, roundId: null, code: 'payload_too_large', message: reason })
          .catch(() => undefined),
      clientAddress: (peer, forwardedFor) => app.get(HandshakeGate).clientAddress(peer, forwardedFor),
      refusalFoldMs: settings.refusalFoldMs,
    }),
  );
  // Issue 13 (W10): security headers on every response, no X-Powered-By.
  app.disable('x-powered-by');
  app.use(securityHeaders());
  app.enableShutdownHooks();
  app.useBodyParser('json', { limit: '1mb' });
  if (settings.dashboardDir && existsSync(settings.dashboardDir)) app.useStaticAssets(settings.dashboardDir);
  keepIdleConnections(app.getHttpServer(), settings.keepAliveTimeoutMs);
  const drain = drainOnClose(app.getHttpServer());
  await app.listen(settings.port, settings.host);
  const port = (app.getHttpServer().address() as AddressInfo).port;
  const identity = app.get(IdentityRepository).get();
  return {
    app,
    url: `http://${settings.host}:${port}`,
    port,
    operatorToken: app.get(OperatorTokenService).get(),
    fingerprint: identity.fingerprint(),
    close: () => drain(() => app.close()),
  };
}
