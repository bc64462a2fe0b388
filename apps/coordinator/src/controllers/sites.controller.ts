import { Body, Controller, Get, HttpCode, Inject, Param, Post, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { label } from '@fedfuse/protocol';
import { RoundsRepository } from '../repositories/rounds.repository.ts';
import { RegistryService } from '../services/registry.service.ts';
import { SiteSummariesService } from '../services/site-summaries.service.ts';
import { parseBody, unwrap } from './ack-response.ts';
import { OperatorGuard } from './operator.guard.ts';

const TokenRequest = z.object({
  label: label(200).default('site'),
  ttlSeconds: z
    .int()
    .min(60)
    .max(30 * 86_400)
    .default(86_400),
  autoApprove: z.boolean().default(false),
});
const SiteActionName = z.enum(['approve', 'suspend', 'reinstate', 'revoke']);

/** Sites and enrollment tokens, for the operator. */
@Controller('api')
@UseGuards(OperatorGuard)
export class SitesController {
  constructor(
    @Inject(RegistryService) private readonly registry: RegistryService,
    @Inject(SiteSummariesService) private readonly sites: SiteSummariesService,
    @Inject(RoundsRepository) private readonly rounds: RoundsRepository,
  ) {}

  @Get('sites')
  async list() {
    return (await this.sites.list()).map(({ row, summary }) => ({
      ...summary,
      backend: row.backend,
      softwareVersion: row.software_version,
      data: row.data_summary ? (JSON.parse(row.data_summary) as unknown) : null,
      schema: row.data_schema ? (JSON.parse(row.data_schema) as unknown) : null,
    }));
  }

  @Get('sites/:id/rejections')
  async rejections(@Param('id') id: string) {
    return (await this.rounds.rejections(id)).map((r) => ({
      at: r.at,
      roundId: r.round_id,
      code: r.code,
      reason: r.reason,
    }));
  }

  @Post('sites/:id/:action')
  @HttpCode(200)
  async act(@Param('id') id: string, @Param('action') action: string) {
    return unwrap(await this.registry.decide(id, parseBody(SiteActionName, action)));
  }

  @Get('tokens')
  tokens() {
    return this.registry.listTokens();
  }

  @Post('tokens')
  createToken(@Body() body: unknown) {
    return this.registry.createToken(parseBody(TokenRequest, body));
  }
}
