import { Controller, Get, Inject, UseGuards } from '@nestjs/common';
import { SpecAgreementService } from '../services/spec-agreement.service.ts';
import { OperatorGuard } from './operator.guard.ts';

/** What the approved sites' data schemas say about the next run's model, for the new-run form. */
@Controller('api/federation')
@UseGuards(OperatorGuard)
export class FederationController {
  constructor(@Inject(SpecAgreementService) private readonly agreement: SpecAgreementService) {}

  /**
   * The model inputs a run that leaves them out would get (modalities, tasks, EHR width, gene count, image
   * shape), or the disagreements that would refuse its start; and the sites they come from.
   */
  @Get('model-spec')
  async modelSpec() {
    const { derivation, sites, unreported } = await this.agreement.preview();
    return {
      ok: derivation.ok,
      inputs: derivation.ok ? derivation.inputs : null,
      problems: derivation.ok ? [] : derivation.problems,
      sites: sites.map((s) => ({ id: s.id, name: s.name, schema: s.schema })),
      unreported,
    };
  }
}
