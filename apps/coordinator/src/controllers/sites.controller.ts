import { Controller, HttpCode, NotFoundException, UseGuards } from '@nestjs/common';
import type { RestParams, RestParsedBody, RestReply } from '@fedfuse/protocol';
import { RoundsRepository } from '../repositories/rounds.repository.ts';
import { SitesRepository } from '../repositories/sites.repository.ts';
import { RegistryService } from '../services/registry.service.ts';
import { SiteSummariesService } from '../services/site-summaries.service.ts';
import { unwrap } from './ack-response.ts';
import { OperatorGuard } from './operator.guard.ts';
import { RestBodyOf, RestParam, RestRoute } from './rest-route.ts';

/** Sites and enrollment tokens, for the operator. */
@Controller()
@UseGuards(OperatorGuard)
export class SitesController {
  constructor(
    private readonly registry: RegistryService,
    private readonly sites: SiteSummariesService,
    private readonly siteRows: SitesRepository,
    private readonly rounds: RoundsRepository,
  ) {}

  @RestRoute('listSites')
  async list(): Promise<RestReply<'listSites'>> {
    return (await this.sites.list()).map(({ site, summary }) => ({
      ...summary,
      backend: site.backend,
      softwareVersion: site.softwareVersion,
      data: site.dataSummary,
      schema: site.dataSchema,
    }));
  }

  @RestRoute('siteRejections')
  async rejections(
    @RestParam('siteRejections') { id }: RestParams<'siteRejections'>,
  ): Promise<RestReply<'siteRejections'>> {
    if (!(await this.siteRows.find(id)))
      throw new NotFoundException({ code: 'not_found', message: `no site ${id}` });
    return (await this.rounds.rejections(id)).map((r) => ({
      at: r.at,
      roundId: r.round_id,
      code: r.code,
      reason: r.reason,
    }));
  }

  @RestRoute('actOnSite')
  @HttpCode(200)
  async act(
    @RestParam('actOnSite') { id, action }: RestParams<'actOnSite'>,
  ): Promise<RestReply<'actOnSite'>> {
    return unwrap(await this.registry.decide(id, action));
  }

  @RestRoute('listTokens')
  tokens(): Promise<RestReply<'listTokens'>> {
    return this.registry.listTokens();
  }

  @RestRoute('createToken')
  createToken(
    @RestBodyOf('createToken') body: RestParsedBody<'createToken'>,
  ): Promise<RestReply<'createToken'>> {
    return this.registry.createToken(body);
  }
}
