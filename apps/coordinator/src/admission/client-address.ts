import { BlockList, isIP } from 'node:net';

/** `::ffff:127.0.0.1` and `127.0.0.1` are one client. */
function normalizeAddress(address: string): string {
  const trimmed = address.trim();
  return trimmed.startsWith('::ffff:') && isIP(trimmed.slice(7)) === 4 ? trimmed.slice(7) : trimmed;
}

/**
 * The client behind a request: the peer address, unless the peer is a proxy the operator listed, in which
 * case the rightmost X-Forwarded-For entry that is not itself a listed proxy (entries left of it are
 * whatever the client chose to send, so they are never believed).
 */
export class ClientAddresses {
  private readonly trusted = new BlockList();
  private readonly any: boolean;

  constructor(trustedProxies: readonly string[]) {
    for (const entry of trustedProxies) {
      const [address, prefix] = entry.split('/') as [string, string | undefined];
      const family = isIP(normalizeAddress(address));
      if (!family) throw new Error(`trusted proxy "${entry}" is not an IP address or CIDR`);
      const type = family === 4 ? 'ipv4' : 'ipv6';
      if (prefix === undefined) this.trusted.addAddress(normalizeAddress(address), type);
      else {
        const bits = Number(prefix);
        if (!Number.isInteger(bits) || bits < 0 || bits > (family === 4 ? 32 : 128))
          throw new Error(`trusted proxy "${entry}" has an invalid prefix length`);
        this.trusted.addSubnet(normalizeAddress(address), bits, type);
      }
    }
    this.any = trustedProxies.length > 0;
  }

  isTrusted(address: string): boolean {
    const normal = normalizeAddress(address);
    const family = isIP(normal);
    return this.any && family !== 0 && this.trusted.check(normal, family === 4 ? 'ipv4' : 'ipv6');
  }

  resolve(peer: string | undefined, forwardedFor: string | string[] | undefined): string {
    let client = normalizeAddress(peer ?? '');
    if (!this.isTrusted(client) || !forwardedFor) return client;
    const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor)
      .split(',')
      .map(normalizeAddress)
      .filter(Boolean);
    while (hops.length > 0 && this.isTrusted(client)) {
      const hop = hops.pop()!;
      // A malformed entry ends the walk: the last proxy we trust is the client we can name.
      if (!isIP(hop)) break;
      client = hop;
    }
    return client;
  }
}
