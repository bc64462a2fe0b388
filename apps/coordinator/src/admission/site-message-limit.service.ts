import { Inject, Injectable, Logger } from '@nestjs/common';
import type { OnModuleDestroy } from '@nestjs/common';
import type { Socket } from 'socket.io';
import { fail } from '@fedfuse/protocol';
import type { CoordinatorSettings } from '../env.ts';
import { AuditService } from '../services/audit.service.ts';
import { SETTINGS } from '../tokens.ts';
import { Budget } from './budget.ts';
import { RefusalFolder } from './refusal-folder.ts';

interface Limited {
  siteId: string;
  address: string;
  /** `refused`: messages answered `rate_limited`; `disconnected`: the site kept on and was dropped. */
  outcome: 'refused' | 'disconnected';
}

/**
 * Each authenticated site gets `siteMessagesPerMinute` socket messages (connections count as one). Past
 * that its messages are answered `rate_limited` and never reach a handler; if it sends as many again in the
 * minute, it is disconnected, and reconnects are refused until its minute is over. Each of these is audited
 * once per fold window with a count.
 */
@Injectable()
export class SiteMessageLimit implements OnModuleDestroy {
  private readonly logger = new Logger('fl');
  private readonly messages: Budget;
  private readonly strikes: Budget;
  private readonly folder: RefusalFolder<Limited>;

  constructor(
    @Inject(SETTINGS) private readonly settings: CoordinatorSettings,
    audit: AuditService,
  ) {
    this.messages = new Budget(settings.siteMessagesPerMinute);
    this.strikes = new Budget(settings.siteMessagesPerMinute);
    this.folder = new RefusalFolder({
      windowMs: settings.refusalFoldMs,
      emit: async ({ sample, count, repeats }) => {
        const details = { ...sample, count, folded: repeats, limitPerMinute: settings.siteMessagesPerMinute };
        this.logger.warn({ msg: 'site rate limited', ...details });
        await audit.record({
          actor: { kind: 'site', id: sample.siteId },
          action: 'site.rate_limited',
          subject: sample.siteId,
          outcome: 'refused',
          details: { address: sample.address, outcome: sample.outcome, count, folded: repeats },
        });
      },
    });
  }

  /** Spends one message for a new connection of `siteId`; false when its minute's budget is spent. */
  async admitConnection(siteId: string, address: string): Promise<boolean> {
    if (await this.messages.take(siteId)) return true;
    void this.folder.note(`${siteId}|refused`, { siteId, address, outcome: 'refused' });
    return false;
  }

  /** Counts every message on the site's socket before any handler sees it. */
  guard(socket: Socket, siteId: string, address: string): void {
    socket.use((packet, next) => {
      void this.messages.take(siteId).then(async (allowed) => {
        if (allowed) return next();
        const ack = packet[packet.length - 1] as unknown;
        if (typeof ack === 'function')
          (ack as (answer: unknown) => void)(
            fail('rate_limited', `over ${this.settings.siteMessagesPerMinute} messages a minute; slow down`),
          );
        void this.folder.note(`${siteId}|refused`, { siteId, address, outcome: 'refused' });
        if (await this.strikes.take(siteId)) return;
        if (!socket.connected) return;
        void this.folder.note(`${siteId}|disconnected`, { siteId, address, outcome: 'disconnected' });
        socket.disconnect(true);
      });
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.folder.flushAll();
  }
}
