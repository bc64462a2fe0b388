import { Inject, Injectable } from '@nestjs/common';
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Database } from '../persistence/database.ts';
import { RunsRepository } from '../repositories/runs.repository.ts';
import { SitesRepository } from '../repositories/sites.repository.ts';
import { DATABASE } from '../tokens.ts';
import { ConnectionsService } from './connections.service.ts';
import { TransfersService } from './transfers.service.ts';

/** Prometheus gauges read from the database and the live connections when scraped. */
@Injectable()
export class MetricsService {
  private readonly registry = new Registry();

  constructor(
    sites: SitesRepository,
    runs: RunsRepository,
    connections: ConnectionsService,
    transfers: TransfersService,
    @Inject(DATABASE) database: Database,
  ) {
    collectDefaultMetrics({ register: this.registry, prefix: 'fedfuse_coordinator_' });
    new Gauge({
      name: 'fedfuse_sites',
      help: 'Enrolled sites by status',
      labelNames: ['status'],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const site of await sites.list()) this.inc({ status: site.status });
      },
    });
    new Gauge({
      name: 'fedfuse_sites_connected',
      help: 'Sites with an authenticated connection',
      registers: [this.registry],
      collect() {
        this.set(connections.connectedIds().length);
      },
    });
    new Gauge({
      name: 'fedfuse_rounds_committed',
      help: 'Committed rounds of each run',
      labelNames: ['run'],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const run of await runs.list()) this.set({ run: run.name }, run.committedRound);
      },
    });
    new Gauge({
      name: 'fedfuse_updates_rejected',
      help: 'Updates and messages refused, ever (each one, including those folded into one audit entry)',
      registers: [this.registry],
      async collect() {
        // The sites' counters, not the rejection rows: repeats within a fold window share one row.
        this.set((await sites.list()).reduce((sum, site) => sum + site.updatesRejected, 0));
      },
    });
    new Gauge({
      name: 'fedfuse_transfer_bytes_held',
      help: 'Bytes of delta uploads held in memory, open or awaiting their submission',
      registers: [this.registry],
      collect() {
        this.set(transfers.bytesHeld());
      },
    });
    this.sqliteCommits(database);
  }

  private sqliteCommits(database: Database): void {
    const commits = database.commits;
    if (!commits) return;
    new Gauge({
      name: 'fedfuse_sqlite_commits',
      help: 'SQLite commits since start (each waits for an fsync), by the tables each one wrote',
      labelNames: ['tables'],
      registers: [this.registry],
      collect() {
        for (const [tables, count] of commits.snapshot()) this.set({ tables }, count);
      },
    });
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
