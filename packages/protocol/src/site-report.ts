import { z } from 'zod';

import { label } from './display-text.ts';
import { Count, namedRecord } from './primitives.ts';
import { SiteDataSchema } from './site-schema.ts';

/**
 * site:report — what a site tells the operator about itself after the handshake: software, backend and
 * how many patients have each combination of modalities, and its data schema. Counts and names only;
 * never a patient or a value.
 */
export const SiteReport = z.object({
  softwareVersion: label(32),
  /** tfjs backend in use: `tensorflow-gpu`, `tensorflow`, `wasm` or `cpu`. */
  backend: label(32),
  /** Patients per presence combination, e.g. `ehr.imaging` (modalities joined by dots): counts only. */
  combinations: namedRecord(Count),
  trainPatients: Count,
  testPatients: Count,
  /** The data's shape for the model: the coordinator derives and checks the run's model spec from it. */
  schema: SiteDataSchema,
});
export type SiteReport = z.infer<typeof SiteReport>;
