import { createHash } from 'node:crypto';

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { sha256Hex, toHex } from './sha256.ts';

describe('sha256Hex', () => {
  it('matches the FIPS 180-2 "abc" vector', async () => {
    expect(await sha256Hex(new TextEncoder().encode('abc'))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it('agrees with WebCrypto (the browser path) on any input', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2000 }), async (bytes) => {
        const web = toHex(new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', bytes)));
        expect(await sha256Hex(bytes)).toBe(web);
        expect(web).toBe(createHash('sha256').update(bytes).digest('hex'));
      }),
      { numRuns: 50 },
    );
  });
});
