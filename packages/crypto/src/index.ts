// Public surface of @fedfuse/crypto, the only package that imports tweetnacl.
export * from './result.ts';
export { toBase64, fromBase64, toHex, fromHex, equalBytes, frame, unframe } from './bytes.ts';
export { sha256 } from './hash.ts';
export { LOW_ORDER_POINTS, isLowOrderPoint, boxKeyProblem, x25519, x25519Agreement } from './x25519.ts';
export { verifyEd25519, hasCanonicalS } from './ed25519.ts';
export { fingerprint } from './fingerprint.ts';
export { Identity } from './identity.ts';
export type { IdentityRole, IdentitySeeds, PublicKeys } from './identity.ts';
export * from './key-file.ts';
export * from './nonce-cache.ts';
export * from './handshake.ts';
export * from './enrollment.ts';
export * from './global-weights.ts';
export * from './sealed-delta.ts';
