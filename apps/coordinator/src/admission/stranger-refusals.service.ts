import { Inject, Injectable, Logger } from '@nestjs/common';
import type { OnModuleDestroy } from '@nestjs/common';
import type { CoordinatorSettings } from '../env.ts';
import { AuditService } from '../services/audit.service.ts';
import { SETTINGS } from '../tokens.ts';
import { RefusalFolder } from './refusal-folder.ts';

/** A refused request from someone not (yet) authenticated. */
export interface StrangerRefusal {
  /** Which door: `enroll`, `challenge`, `connection` (an /fl socket), `rate_limited`. */
  kind: string;
  /** The client address (see ClientAddresses); never a name the client chose. */
  address: string;
  code: string;
  message: string;
  /** Audit action when the operator should see it (e.g. `site.enroll_refused`); else only logged. */
  auditAction?: string;
  /** An enrolled site the refusal concerns, as the audit's subject (never its actor). */
  subject?: string;
}

/**
 * Logs refusals of unauthenticated requests as one structured line and audits the ones worth the
 * operator's eyes as the system, with the source address. Identical refusals (kind, address, code,
 * subject) within the fold window become one line and one entry with a count.
 */
@Injectable()
export class StrangerRefusals implements OnModuleDestroy {
  private readonly logger = new Logger('fl');
  private readonly folder: RefusalFolder<StrangerRefusal>;

  constructor(
    private readonly audit: AuditService,
    @Inject(SETTINGS) settings: CoordinatorSettings,
  ) {
    this.folder = new RefusalFolder({
      windowMs: settings.refusalFoldMs,
      // Past 10,000 distinct refusals in a window, they fold together: no one address to name.
      overflow: (refusal) => ({ ...refusal, address: '(many addresses)', subject: undefined }),
      emit: async ({ sample, count, repeats }) => {
        const { kind, address, code, message, subject } = sample;
        const fields = { kind, address, code, reason: message, ...(subject ? { subject } : {}), count };
        this.logger.warn({ msg: repeats ? 'refused again (folded)' : 'refused', ...fields });
        if (!sample.auditAction) return;
        await this.audit.record({
          actor: { kind: 'system', id: 'coordinator' },
          action: sample.auditAction,
          subject,
          outcome: 'refused',
          details: { address, code, message, count, folded: repeats },
        });
      },
    });
  }

  /** Logs (and audits) the refusal, or counts it into its fold; resolves once it is recorded. */
  note(refusal: StrangerRefusal): Promise<void> {
    const { kind, address, code, subject } = refusal;
    return this.folder.note(JSON.stringify([kind, address, code, subject ?? null]), refusal);
  }

  async onModuleDestroy(): Promise<void> {
    await this.folder.flushAll();
  }
}
