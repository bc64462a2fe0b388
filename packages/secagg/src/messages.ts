import { formatIssues } from '@fedfuse/protocol';
import type { z } from 'zod';

import { SecAggError } from './errors.ts';

// The messages' schemas are the wire's, owned by @fedfuse/protocol (its secagg:submit / secagg:request).
export {
  Advertisement,
  AdvertisedKeys,
  ShareKeys,
  ForwardedShares,
  MaskedInput,
  ConsistencyCheck,
  ConsistencySignature,
  UnmaskRequest,
  UnmaskResponse,
} from '@fedfuse/protocol';

/** Parse `raw` or throw `invalid_payload` naming the message and the offending field path. */
export function parseMessage<TSchema extends z.ZodType>(
  schema: TSchema,
  raw: unknown,
  what: string,
): z.output<TSchema> {
  const res = schema.safeParse(raw);
  if (!res.success) throw new SecAggError('invalid_payload', `${what}: ${formatIssues(res.error.issues)}`);
  return res.data;
}
