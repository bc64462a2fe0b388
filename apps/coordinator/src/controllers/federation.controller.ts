import { Controller, UseGuards } from '@nestjs/common';
import type { RestReply } from '@fedfuse/protocol';
import { SpecAgreementService } from '../services/spec-agreement.service.ts';
import { describeTexture, federationTextureNorm } from '../texture-norm.ts';
import { OperatorGuard } from './operator.guard.ts';
import { RestRoute } from './rest-route.ts';

/** What the approved sites' data schemas say about the next run's model, for the new-run form. */
@Controller()
@UseGuards(OperatorGuard)
export class FederationController {
  constructor(private readonly agreement: SpecAgreementService) {}

  /**
   * The model inputs a run that leaves them out would get (modalities, tasks, EHR width, gene count, image
   * shape), or the disagreements that would refuse its start; and the sites they come from.
   */
  @RestRoute('modelSpec')
  async modelSpec(): Promise<RestReply<'modelSpec'>> {
    const { derivation, sites, unreported } = await this.agreement.preview();
    const imaging = derivation.ok && derivation.inputs.modalities.includes('imaging');
    return {
      ok: derivation.ok,
      inputs: derivation.ok ? derivation.inputs : null,
      problems: derivation.ok ? [] : derivation.problems,
      sites: sites.map((s) => ({ id: s.id, name: s.name, schema: s.schema })),
      unreported,
      texture: imaging ? describeTexture(federationTextureNorm(derivation.inputs, sites)) : null,
    };
  }
}
