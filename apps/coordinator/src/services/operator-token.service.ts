import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import type { CoordinatorSettings } from '../env.ts';
import { SETTINGS } from '../tokens.ts';

/** The operator's bearer token: from the settings, or generated once into `operator-token` (0600). */
@Injectable()
export class OperatorTokenService {
  private token?: string;

  constructor(@Inject(SETTINGS) private readonly settings: CoordinatorSettings) {}

  get(): string {
    if (this.token) return this.token;
    if (this.settings.operatorToken) return (this.token = this.settings.operatorToken);
    const path = join(this.settings.dataDir, 'operator-token');
    if (!existsSync(path)) writeFileSync(path, `${randomBytes(24).toString('base64url')}\n`, { mode: 0o600 });
    this.token = readFileSync(path, 'utf8').trim();
    return this.token;
  }

  /** Where a generated token lives, for the start-up message. */
  path(): string | undefined {
    return this.settings.operatorToken ? undefined : join(this.settings.dataDir, 'operator-token');
  }
}
