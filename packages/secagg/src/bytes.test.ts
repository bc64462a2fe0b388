import { describe, expect, it } from 'vitest';

import { bytesToWords, wordsToBytes } from './bytes.ts';

describe('bytesToWords', () => {
  it('reads a Buffer at an unaligned offset in a shared pool, as socket.io delivers binary', () => {
    const words = Uint32Array.from([1, 0xffffffff, 123456789]);
    const pool = Buffer.alloc(64);
    pool.set(wordsToBytes(words), 5);
    const unaligned = pool.subarray(5, 5 + 12);
    expect([...bytesToWords(unaligned, 3, 'masked input')]).toEqual([...words]);
  });

  it('refuses a length that is not the expected words, naming it', () => {
    expect(() => bytesToWords(new Uint8Array(10), 3, 'masked input of s')).toThrow(
      'masked input of s has 10 bytes, expected 12',
    );
  });
});
