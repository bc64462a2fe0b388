import { createHash } from 'node:crypto';

/**
 * Each site's neighbours (itself excluded). With `degree` ≥ sites − 1 every pair is connected (Bonawitz et
 * al.); otherwise a Harary graph H(degree, n) (Bell et al.'s SecAgg+): the sites in a ring ordered by
 * SHA-256(session id ‖ site id), so neither the server nor a site picks who neighbours whom, each joined to
 * the degree/2 nearest on either side.
 */
export function neighbourhoods(
  siteIds: readonly string[],
  degree: number,
  sessionId: Uint8Array,
): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  if (degree >= siteIds.length - 1) {
    for (const id of siteIds) out.set(id, new Set(siteIds.filter((other) => other !== id)));
    return out;
  }
  const rank = new Map(
    siteIds.map((id) => [id, createHash('sha256').update(sessionId).update(id).digest('hex')]),
  );
  const ring = [...siteIds].sort((a, b) => (rank.get(a)! < rank.get(b)! ? -1 : 1));
  const n = ring.length;
  ring.forEach((id, at) => {
    const near = new Set<string>();
    for (let step = 1; step <= degree / 2; step++) {
      near.add(ring[(at + step) % n]!);
      near.add(ring[(at - step + n) % n]!);
    }
    out.set(id, near);
  });
  return out;
}
