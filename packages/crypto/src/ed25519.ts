import nacl from 'tweetnacl';

/** Order of the Ed25519 base point, L = 2^252 + 27742317777372353535851937790883648493. */
const L = (1n << 252n) + 27742317777372353535851937790883648493n;

function littleEndianToBigInt(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]!);
  return n;
}

/** True when the signature's S half is a canonical scalar (S < L), as RFC 8032 §5.1.7 requires. */
export function hasCanonicalS(signature: Uint8Array): boolean {
  return signature.length === 64 && littleEndianToBigInt(signature.subarray(32)) < L;
}

/**
 * Verify an Ed25519 signature strictly: sizes, then S < L (tweetnacl skips that check, which makes
 * signatures malleable: S + L verifies too), then the signature itself.
 */
export function verifyEd25519(message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean {
  if (publicKey.length !== nacl.sign.publicKeyLength || signature.length !== nacl.sign.signatureLength)
    return false;
  if (!hasCanonicalS(signature)) return false;
  return nacl.sign.detached.verify(message, signature, publicKey);
}
