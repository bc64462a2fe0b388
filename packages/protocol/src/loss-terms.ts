import { z } from 'zod';

/** The training objective's terms, in the order reports show them (@fedfuse/model LOSS_TERMS). */
export const LOSS_TERM_NAMES = [
  'task',
  'auxiliary',
  'alignment',
  'reconstruction',
  'l2',
  'proximal',
] as const;
export type LossTermName = (typeof LOSS_TERM_NAMES)[number];

const term = z.number().nonnegative();

/**
 * A site's local objective after its last epoch, split into its terms, each as it enters the sum (already
 * times its weight): `task` is the masked BCE mean over labelled entries; the rest regularise.
 */
export const LossTerms = z.object({
  task: term,
  auxiliary: term,
  alignment: term,
  reconstruction: term,
  l2: term,
  proximal: term,
});
export type LossTerms = z.infer<typeof LossTerms>;
