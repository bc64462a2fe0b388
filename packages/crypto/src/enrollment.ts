import { frame, fromBase64, toBase64 } from './bytes.ts';
import { verifyEd25519 } from './ed25519.ts';
import type { Identity } from './identity.ts';
import type { CryptoResult } from './result.ts';
import { failure, success } from './result.ts';
import { boxKeyProblem } from './x25519.ts';

const CONTEXT = 'fedfuse/enrollment/v1';

/** A site's enrollment request as sent on the wire. */
export interface SignedEnrollment {
  token: string;
  siteName: string;
  signingKey: string;
  boxKey: string;
  protocolVersion: number;
  signature: string;
}

function message(e: Omit<SignedEnrollment, 'signature'>): Uint8Array {
  return frame([
    CONTEXT,
    e.token,
    e.siteName,
    fromBase64(e.signingKey, 32, 'signingKey'),
    fromBase64(e.boxKey, 32, 'boxKey'),
    e.protocolVersion,
  ]);
}

/** Site: build an enrollment request that proves possession of the signing key. */
export function signEnrollment(options: {
  site: Identity;
  token: string;
  siteName: string;
  protocolVersion: number;
}): SignedEnrollment {
  const keys = options.site.publicKeys();
  const body = {
    token: options.token,
    siteName: options.siteName,
    signingKey: keys.signingKey,
    boxKey: keys.boxKey,
    protocolVersion: options.protocolVersion,
  };
  return { ...body, signature: toBase64(options.site.sign(message(body))) };
}

/**
 * Coordinator: check the request is signed by the key it presents and its box key is usable; the token
 * itself is checked against the operator's one-time tokens by the caller.
 */
export function verifyEnrollment(
  request: SignedEnrollment,
): CryptoResult<{ signingKey: Uint8Array; boxKey: Uint8Array }> {
  try {
    const signingKey = fromBase64(request.signingKey, 32, 'signingKey');
    const boxKey = fromBase64(request.boxKey, 32, 'boxKey');
    const problem = boxKeyProblem(boxKey);
    if (problem) return failure('invalid_payload', problem);
    if (!verifyEd25519(message(request), fromBase64(request.signature, 64, 'signature'), signingKey)) {
      return failure('bad_signature', 'the enrollment request is not signed by the signing key it presents');
    }
    return success({ signingKey, boxKey });
  } catch (err) {
    return failure('invalid_payload', err instanceof Error ? err.message : 'malformed enrollment request');
  }
}
