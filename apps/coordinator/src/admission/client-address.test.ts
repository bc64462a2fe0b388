import { describe, expect, it } from 'vitest';
import { ClientAddresses } from './client-address.ts';

describe('ClientAddresses', () => {
  it('ignores X-Forwarded-For from a peer that is not a listed proxy', () => {
    expect(new ClientAddresses([]).resolve('198.51.100.7', '203.0.113.1')).toBe('198.51.100.7');
    expect(new ClientAddresses(['10.0.0.0/8']).resolve('198.51.100.7', '203.0.113.1')).toBe('198.51.100.7');
  });

  it('takes the rightmost entry that is not a listed proxy, through a chain of proxies', () => {
    const addresses = new ClientAddresses(['10.0.0.0/8', '192.0.2.1']);
    expect(addresses.resolve('10.1.2.3', '203.0.113.1')).toBe('203.0.113.1');
    // The client wrote the leftmost entry itself; the hop our proxies saw is the one that counts.
    expect(addresses.resolve('10.1.2.3', '198.51.100.9, 203.0.113.1, 192.0.2.1')).toBe('203.0.113.1');
    expect(addresses.resolve('::ffff:10.1.2.3', ['203.0.113.5'])).toBe('203.0.113.5');
  });

  it('stops at a malformed entry and keeps the last address it could name', () => {
    expect(new ClientAddresses(['127.0.0.1']).resolve('127.0.0.1', 'not-an-ip')).toBe('127.0.0.1');
  });

  it('refuses a proxy list entry that is not an address or CIDR, naming it', () => {
    expect(() => new ClientAddresses(['proxy.example'])).toThrow('trusted proxy "proxy.example"');
    expect(() => new ClientAddresses(['10.0.0.0/40'])).toThrow('invalid prefix length');
  });
});
