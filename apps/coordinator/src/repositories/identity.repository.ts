import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import type { OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Identity, readKeyFile, writeKeyFile } from '@fedfuse/crypto';
import type { CoordinatorSettings } from '../env.ts';
import { SETTINGS } from '../tokens.ts';

/** The coordinator's own key pair, created on first start and kept in `coordinator.key` (mode 0600). */
@Injectable()
export class IdentityRepository implements OnModuleInit, OnModuleDestroy {
  private identity?: Identity;

  constructor(@Inject(SETTINGS) private readonly settings: CoordinatorSettings) {}

  async load(): Promise<Identity> {
    if (this.identity) return this.identity;
    const path = join(this.settings.dataDir, 'coordinator.key');
    if (!existsSync(path)) {
      await writeKeyFile(path, Identity.generate({ role: 'coordinator', id: 'coordinator' }));
    }
    this.identity = await readKeyFile(path);
    return this.identity;
  }

  async onModuleInit(): Promise<void> {
    await this.load();
  }

  get(): Identity {
    if (!this.identity) throw new Error('The coordinator identity is not loaded yet');
    return this.identity;
  }

  onModuleDestroy(): void {
    this.identity?.close();
  }
}
