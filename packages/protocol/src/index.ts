// Public surface of @fedfuse/protocol: schemas (validators first, types inferred), event names and maps,
// acknowledgements, and the binary weights / chunked transfer format.
export * from './version.ts';
export * from './limits.ts';
export * from './errors.ts';
export * from './parse.ts';
export * from './primitives.ts';
export * from './manifest.ts';
export * from './transfer.ts';
export * from './model-ref.ts';
export * from './model-spec.ts';
export * from './status.ts';
export * from './site-report.ts';
export * from './handshake.ts';
export * from './enrollment.ts';
export * from './round.ts';
export * from './evaluate.ts';
export * from './audit.ts';
export * from './ops.ts';
export * from './event-names.ts';
export * from './event-schema.ts';
export * from './fl-events.ts';
export * from './fl-routes.ts';
export * from './ops-events.ts';
export * from './wire/sha256.ts';
export * from './wire/weights-codec.ts';
export * from './wire/chunk-encoder.ts';
export * from './wire/chunk-reassembler.ts';
