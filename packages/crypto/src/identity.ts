import nacl from 'tweetnacl';

import { toBase64 } from './bytes.ts';
import { ed25519PublicKey, signEd25519 } from './ed25519.ts';
import { fingerprint } from './fingerprint.ts';

/** Who holds an identity. */
export type IdentityRole = 'site' | 'coordinator';

/** Public half of an identity, in the base64 form the protocol carries. */
export interface PublicKeys {
  signingKey: string;
  boxKey: string;
}

/** Secret material an identity is rebuilt from (a key file holds exactly this). */
export interface IdentitySeeds {
  /** 32-byte Ed25519 seed. */
  signingSeed: Uint8Array;
  /** 32-byte X25519 secret key. */
  boxSecretKey: Uint8Array;
}

// Layout of the single secret buffer, so close() has exactly one thing to wipe.
const SIGN_SECRET = 64; // Ed25519 seed ‖ public key
const BOX_SECRET = 32;

// Secret buffers by identity. Kept out of the class so no property, getter or JSON.stringify exposes them;
// only modules of this package that need a secret import secretsOf().
const secrets = new WeakMap<Identity, Uint8Array>();

/**
 * An Ed25519 signing key pair plus an X25519 box key pair, for a site or the coordinator.
 * `close()` overwrites the secret keys with zeros; any later use throws.
 */
export class Identity {
  readonly #signingPublicKey: Uint8Array;
  readonly #boxPublicKey: Uint8Array;
  private closed = false;

  private constructor(
    readonly role: IdentityRole,
    readonly id: string,
    secret: Uint8Array,
  ) {
    secrets.set(this, secret);
    this.#signingPublicKey = secret.slice(32, 64);
    this.#boxPublicKey = nacl.box.keyPair.fromSecretKey(secret.subarray(SIGN_SECRET)).publicKey;
  }

  /** A fresh identity from the system CSPRNG. */
  static generate(options: { role: IdentityRole; id: string }): Identity {
    const signingSeed = nacl.randomBytes(32);
    const boxSecretKey = nacl.randomBytes(32);
    try {
      return Identity.fromSeeds({ ...options, signingSeed, boxSecretKey });
    } finally {
      signingSeed.fill(0);
      boxSecretKey.fill(0);
    }
  }

  /** Rebuild an identity from its seeds; the seeds are copied, so the caller may wipe its own buffers. */
  static fromSeeds(options: { role: IdentityRole; id: string } & IdentitySeeds): Identity {
    const { signingSeed, boxSecretKey } = options;
    if (signingSeed.length !== 32)
      throw new RangeError(`Ed25519 seed must be 32 bytes, got ${signingSeed.length}`);
    if (boxSecretKey.length !== BOX_SECRET)
      throw new RangeError(`X25519 secret key must be 32 bytes, got ${boxSecretKey.length}`);
    const secret = new Uint8Array(SIGN_SECRET + BOX_SECRET);
    secret.set(signingSeed, 0);
    secret.set(ed25519PublicKey(signingSeed), 32);
    secret.set(boxSecretKey, SIGN_SECRET);
    return new Identity(options.role, options.id, secret);
  }

  /** Ed25519 public key (a copy). */
  get signingPublicKey(): Uint8Array {
    this.assertOpen();
    return this.#signingPublicKey.slice();
  }

  /** X25519 public key (a copy). */
  get boxPublicKey(): Uint8Array {
    this.assertOpen();
    return this.#boxPublicKey.slice();
  }

  /** Whether close() was called. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Both public keys as base64. */
  publicKeys(): PublicKeys {
    this.assertOpen();
    return { signingKey: toBase64(this.signingPublicKey), boxKey: toBase64(this.boxPublicKey) };
  }

  /** Fingerprint of both public keys (16 groups of 4 hex digits). */
  fingerprint(): string {
    this.assertOpen();
    return fingerprint(this.signingPublicKey, this.boxPublicKey);
  }

  /** Detached Ed25519 signature over `message`. */
  sign(message: Uint8Array): Uint8Array {
    return signEd25519(message, secretsOf(this).subarray(0, 32));
  }

  /** Overwrite the secret keys with zeros. Idempotent; every later use of the identity throws. */
  close(): void {
    secrets.get(this)?.fill(0);
    this.closed = true;
  }

  /** @internal */
  assertOpen(): void {
    if (this.closed)
      throw new Error(`identity ${this.role}:${this.id} is closed; its secret keys were wiped`);
  }
}

/** The live secret buffer (signing secret ‖ box secret) of an open identity; package-internal. */
function secretsOf(identity: Identity): Uint8Array {
  identity.assertOpen();
  const secret = secrets.get(identity);
  if (!secret) throw new Error('unknown identity');
  return secret;
}

/** The X25519 secret key of an open identity; package-internal. */
export function boxSecretOf(identity: Identity): Uint8Array {
  return secretsOf(identity).subarray(SIGN_SECRET);
}

/** The seeds of an open identity (copies), for writing a key file; package-internal. */
export function seedsOf(identity: Identity): IdentitySeeds {
  const secret = secretsOf(identity);
  return { signingSeed: secret.slice(0, 32), boxSecretKey: secret.slice(SIGN_SECRET) };
}

/** The secret buffer even after close(), so tests can check it was wiped; not exported from the package. */
export function secretBufferForTest(identity: Identity): Uint8Array | undefined {
  return secrets.get(identity);
}
