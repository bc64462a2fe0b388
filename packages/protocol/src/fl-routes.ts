import { EnrollmentRequest, EnrollmentResult } from './enrollment.ts';
import { FlRoute, type FlRouteName } from './event-names.ts';
import type { EventSchemas } from './event-schema.ts';
import { Challenge, ChallengeRequest } from './handshake.ts';

/** Request body and answer data schemas for every FlRoute (the coordinator validates the body, the site the answer). */
export const flRouteSchemas = {
  [FlRoute.enroll]: { payload: EnrollmentRequest, ack: EnrollmentResult },
  [FlRoute.challenge]: { payload: ChallengeRequest, ack: Challenge },
} as const satisfies Record<FlRouteName, EventSchemas>;
