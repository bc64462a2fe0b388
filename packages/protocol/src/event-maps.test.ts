import { describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';

import type { Ack } from './errors.ts';
import { EmptyAck, ackSchema } from './errors.ts';
import type { EnrollmentRequest, EnrollmentResult } from './enrollment.ts';
import type { EvaluateIns, EvaluateRes } from './evaluate.ts';
import { FlEvent, FlRoute, Namespace, OpsEvent } from './event-names.ts';
import type { FlClientToServerEvents, FlServerToClientEvents, FlSocketData } from './fl-events.ts';
import { flClientEventSchemas, flServerEventSchemas } from './fl-events.ts';
import { flRouteSchemas } from './fl-routes.ts';
import type { Challenge, ChallengeRequest } from './handshake.ts';
import type { AuditEntry, AuditPage, AuditQuery } from './audit.ts';
import type { FederationSnapshot, RoundProgress, RunMetrics, RunSummary, SiteSummary } from './ops.ts';
import type { OpsClientToServerEvents, OpsServerToClientEvents } from './ops-events.ts';
import { opsClientEventSchemas, opsServerEventSchemas } from './ops-events.ts';
import { parseOrError } from './parse.ts';
import type { FitIns, FitRes, RoundCancelled, SubmitReceipt } from './round.ts';
import type { ResyncRequest, SiteSync } from './status.ts';
import { flRouteAckSamples } from './test-samples.ts';
import type { ChunkReceipt, TransferChunk, TransferFetch, TransferRef } from './transfer.ts';

// socket.io's EventsMap asks for string keys whose values are listeners; restated here (without its `any`)
// so the protocol package need not depend on socket.io.
type EventsMap<T> = { [K in keyof T]: K extends string ? (...args: never[]) => void : never };
type AckData<F> = F extends (payload: never, ack: (res: Ack<infer T>) => void) => void ? T : never;
type PayloadOf<F> = F extends (payload: infer P, ...rest: never[]) => void ? P : never;

describe('event maps', () => {
  it('are socket.io event maps', () => {
    expectTypeOf<FlClientToServerEvents>().toExtend<EventsMap<FlClientToServerEvents>>();
    expectTypeOf<FlServerToClientEvents>().toExtend<EventsMap<FlServerToClientEvents>>();
    expectTypeOf<OpsClientToServerEvents>().toExtend<EventsMap<OpsClientToServerEvents>>();
    expectTypeOf<OpsServerToClientEvents>().toExtend<EventsMap<OpsServerToClientEvents>>();
    expectTypeOf<FlSocketData['session']>().toEqualTypeOf<
      | {
          siteId: string;
          signingKey: Uint8Array;
          boxKey: Uint8Array;
          protocolVersion: number;
          authenticatedAt: number;
        }
      | undefined
    >();
  });

  it('type every /fl request with its payload and ack data', () => {
    type C = FlClientToServerEvents;
    expectTypeOf<PayloadOf<C['status:resync']>>().toEqualTypeOf<ResyncRequest>();
    expectTypeOf<AckData<C['status:resync']>>().toEqualTypeOf<SiteSync>();
    expectTypeOf<PayloadOf<C['weights:fetch']>>().toEqualTypeOf<TransferFetch>();
    expectTypeOf<AckData<C['weights:fetch']>>().toEqualTypeOf<TransferRef>();
    expectTypeOf<PayloadOf<C['delta:chunk']>>().toEqualTypeOf<TransferChunk>();
    expectTypeOf<AckData<C['delta:chunk']>>().toEqualTypeOf<ChunkReceipt>();
    expectTypeOf<PayloadOf<C['round:submit']>>().toEqualTypeOf<FitRes>();
    expectTypeOf<AckData<C['round:submit']>>().toEqualTypeOf<SubmitReceipt>();
    expectTypeOf<PayloadOf<C['evaluate:submit']>>().toEqualTypeOf<EvaluateRes>();
    expectTypeOf<AckData<C['evaluate:submit']>>().toEqualTypeOf<SubmitReceipt>();
  });

  it('type every /fl coordinator event', () => {
    type S = FlServerToClientEvents;
    expectTypeOf<S['round:start']>().parameters.toEqualTypeOf<[FitIns, (res: Ack) => void]>();
    expectTypeOf<S['evaluate:start']>().parameters.toEqualTypeOf<[EvaluateIns, (res: Ack) => void]>();
    expectTypeOf<S['round:cancelled']>().parameters.toEqualTypeOf<[RoundCancelled]>();
    expectTypeOf<S['status:synced']>().parameters.toEqualTypeOf<[SiteSync]>();
    expectTypeOf<PayloadOf<S['weights:chunk']>>().toEqualTypeOf<TransferChunk>();
    expectTypeOf<AckData<S['weights:chunk']>>().toEqualTypeOf<ChunkReceipt>();
  });

  it('type every /ops event', () => {
    type C = OpsClientToServerEvents;
    type S = OpsServerToClientEvents;
    expectTypeOf<AckData<C['federation:snapshot']>>().toEqualTypeOf<FederationSnapshot>();
    expectTypeOf<PayloadOf<C['audit:list']>>().toEqualTypeOf<AuditQuery>();
    expectTypeOf<AckData<C['audit:list']>>().toEqualTypeOf<AuditPage>();
    expectTypeOf<S['federation:synced']>().parameters.toEqualTypeOf<[FederationSnapshot]>();
    expectTypeOf<S['site:updated']>().parameters.toEqualTypeOf<[SiteSummary]>();
    expectTypeOf<S['run:updated']>().parameters.toEqualTypeOf<[RunSummary]>();
    expectTypeOf<S['round:progressed']>().parameters.toEqualTypeOf<[RoundProgress]>();
    expectTypeOf<S['metrics:recorded']>().parameters.toEqualTypeOf<[RunMetrics]>();
    expectTypeOf<S['audit:appended']>().parameters.toEqualTypeOf<[AuditEntry]>();
  });

  it('pair each event with the schema whose output is its payload type', () => {
    type Out<TEvent extends keyof typeof flClientEventSchemas> = z.output<
      (typeof flClientEventSchemas)[TEvent]['payload']
    >;
    expectTypeOf<Out<'round:submit'>>().toEqualTypeOf<PayloadOf<FlClientToServerEvents['round:submit']>>();
    expectTypeOf<Out<'delta:chunk'>>().toEqualTypeOf<PayloadOf<FlClientToServerEvents['delta:chunk']>>();
    type Ack_<TEvent extends keyof typeof flClientEventSchemas> = z.output<
      (typeof flClientEventSchemas)[TEvent]['ack']
    >;
    expectTypeOf<Ack_<'status:resync'>>().toEqualTypeOf<AckData<FlClientToServerEvents['status:resync']>>();
    type SOut<TEvent extends keyof typeof flServerEventSchemas> = z.output<
      (typeof flServerEventSchemas)[TEvent]['payload']
    >;
    expectTypeOf<SOut<'round:start'>>().toEqualTypeOf<PayloadOf<FlServerToClientEvents['round:start']>>();
  });

  it('register a schema for exactly the events in each map', () => {
    const names = (o: object) => Object.keys(o).sort();
    expect(names(flClientEventSchemas)).toEqual(
      [
        FlEvent.statusResync,
        FlEvent.siteReport,
        FlEvent.weightsFetch,
        FlEvent.deltaChunk,
        FlEvent.roundSubmit,
        FlEvent.evaluateSubmit,
        FlEvent.roundFailed,
        FlEvent.secaggSubmit,
      ].sort(),
    );
    const all = [...names(flClientEventSchemas), ...names(flServerEventSchemas)];
    expect(all.sort()).toEqual(Object.values(FlEvent).sort());
    expect([...names(opsClientEventSchemas), ...names(opsServerEventSchemas)].sort()).toEqual(
      Object.values(OpsEvent).sort(),
    );
  });

  it('register a request and an answer schema for every HTTP route a site calls', () => {
    type R = typeof flRouteSchemas;
    expectTypeOf<z.output<R['/fl/challenge']['payload']>>().toEqualTypeOf<ChallengeRequest>();
    expectTypeOf<z.output<R['/fl/challenge']['ack']>>().toEqualTypeOf<Challenge>();
    expectTypeOf<z.output<R['/fl/enroll']['payload']>>().toEqualTypeOf<EnrollmentRequest>();
    expectTypeOf<z.output<R['/fl/enroll']['ack']>>().toEqualTypeOf<EnrollmentResult>();
    expect(Object.keys(flRouteSchemas).sort()).toEqual(Object.values(FlRoute).sort());
    for (const route of Object.values(FlRoute)) expect(route).toMatch(/^\/fl\/[a-z]+$/);
  });

  it('name events "topic:verb", unique per namespace', () => {
    for (const names of [Object.values(FlEvent), Object.values(OpsEvent)]) {
      expect(new Set(names).size).toBe(names.length);
      for (const n of names) expect(n).toMatch(/^[a-z]+:[a-z-]+$/);
    }
    expect(Namespace).toEqual({ fl: '/fl', ops: '/ops' });
  });

  it('let a site validate acknowledgements from the coordinator', () => {
    const schema = ackSchema(flRouteSchemas[FlRoute.challenge].ack);
    expect(parseOrError(schema, { ok: true, data: flRouteAckSamples[FlRoute.challenge] }).ok).toBe(true);
    expect(parseOrError(schema, { ok: false, error: { code: 'replayed', message: 'nonce used' } }).ok).toBe(
      true,
    );
    const bad = parseOrError(schema, { ok: false, error: { code: 'teapot', message: 'x' } });
    expect(!bad.ok && bad.error.message).toContain('error.code');
  });

  it('validate data-less acknowledgements (round:start, evaluate:start) with EmptyAck', () => {
    expect(flServerEventSchemas[FlEvent.roundStart].ack).toBeNull();
    expect(parseOrError(EmptyAck, { ok: true }).ok).toBe(true);
    expect(
      parseOrError(EmptyAck, { ok: false, error: { code: 'busy', message: 'training another round' } }).ok,
    ).toBe(true);
    expect(parseOrError(EmptyAck, { ok: true, data: 5 }).ok).toBe(false);
  });
});
