import { Injectable } from '@nestjs/common';
import type { Ack, ModelSpec } from '@fedfuse/protocol';
import { MAX_SITES, ModelSpec as ModelSpecSchema, fail, formatIssues, ok } from '@fedfuse/protocol';
import { SitesRepository } from '../repositories/sites.repository.ts';
import { INPUT_PLACEHOLDERS, requestedInputs, type ModelDraft } from '../run-config.ts';
import type { ReportedSite } from '../schema-groups.ts';
import { deriveModelInputs, type Derivation, type DerivableField } from '../spec-derivation.ts';
import { describeTexture, federationTextureNorm } from '../texture-norm.ts';
import { GlobalModelService } from './global-model.service.ts';

/** The longest refusal a ProtocolError carries. */
const MAX_MESSAGE = 2000;

/** A run's full model spec, agreed with the approved sites, and where its inputs came from. */
export interface AgreedModel {
  spec: ModelSpec;
  derived: DerivableField[];
  sites: string[];
  /** How the imaging encoder's texture energies are read: standardised by pooled constants, or raw and why. */
  texture: string;
}

/** What the new-run form shows: the derived inputs (or the disagreements) and which sites they come from. */
export interface SpecPreview {
  derivation: Derivation;
  sites: ReportedSite[];
  /** Approved sites that have not reported a schema yet (not connected since they were approved). */
  unreported: { id: string; name: string }[];
}

/** Derives a run's model inputs from the approved sites' data schemas and checks that everyone agrees. */
@Injectable()
export class SpecAgreementService {
  constructor(
    private readonly sitesRepo: SitesRepository,
    private readonly models: GlobalModelService,
  ) {}

  async preview(model: ModelDraft | Record<string, never> = {}): Promise<SpecPreview> {
    const approved = (await this.sitesRepo.list()).filter((s) => s.status === 'approved').slice(0, MAX_SITES);
    const sites: ReportedSite[] = [];
    for (const site of approved)
      if (site.dataSchema) sites.push({ id: site.id, name: site.name, schema: site.dataSchema });
    const reported = new Set(sites.map((s) => s.id));
    const derivation = deriveModelInputs({
      requested: requestedInputs(model as ModelDraft),
      sites,
      placeholders: INPUT_PLACEHOLDERS,
    });
    const unreported = approved.filter((s) => !reported.has(s.id)).map((s) => ({ id: s.id, name: s.name }));
    return { derivation, sites, unreported };
  }

  /** The run's complete spec, or a `schema_mismatch` refusal naming the sites and the differences. */
  async agree(runName: string, model: ModelDraft): Promise<Ack<AgreedModel>> {
    const { derivation, sites } = await this.preview(model);
    const refuse = (problems: string[]) =>
      fail('schema_mismatch', `run "${runName}" cannot start: ${problems.join('; ')}`.slice(0, MAX_MESSAGE));
    if (!derivation.ok) return refuse(derivation.problems);
    const spec = ModelSpecSchema.safeParse({ ...model, ...derivation.inputs });
    if (!spec.success) return refuse([`the derived model: ${formatIssues(spec.error.issues, ['model'])}`]);
    const texture = federationTextureNorm(spec.data, sites);
    const full = texture.norm ? { ...spec.data, imageTextureNorm: texture.norm } : spec.data;
    try {
      this.models.describe(full);
    } catch (error) {
      return refuse([`the derived model cannot be built: ${(error as Error).message}`]);
    }
    return ok({
      spec: full,
      derived: derivation.derived,
      sites: sites.map((s) => s.name),
      texture: describeTexture(texture),
    });
  }
}
