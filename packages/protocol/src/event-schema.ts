import type { z } from 'zod';

import type { Ack } from './errors.ts';

/** Callback a request event receives as its last argument. */
export type AckFn<T> = (res: Ack<T>) => void;

/**
 * Schemas for one event: what the receiver validates (`payload`) and, for request events, what the sender
 * validates in the acknowledgement (`ack`, the data of a successful Ack; `null` when an Ack carries none).
 * Fire-and-forget broadcasts have no `ack` entry.
 */
export interface EventSchemas {
  payload: z.ZodType;
  ack?: z.ZodType | null;
}
