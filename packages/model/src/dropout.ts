/**
 * Modality dropout: each present modality is kept with probability keepProb; a row whose
 * present modalities were all dropped keeps one of them at random, so no row loses everything.
 */
export function dropModalities(present: Uint8Array, keepProb: number, random: () => number): Uint8Array {
  if (!(keepProb > 0 && keepProb <= 1))
    throw new Error(`Modality keep probability must be in (0, 1], got ${keepProb}`);
  const out = new Uint8Array(present.length);
  const rows = present.length / 3;
  for (let r = 0; r < rows; r++) {
    const available: number[] = [];
    let kept = 0;
    for (let m = 0; m < 3; m++) {
      if (present[r * 3 + m] !== 1) continue;
      available.push(m);
      if (random() < keepProb) {
        out[r * 3 + m] = 1;
        kept++;
      }
    }
    if (kept === 0 && available.length > 0) {
      out[r * 3 + available[Math.floor(random() * available.length)]!] = 1;
    }
  }
  return out;
}

/**
 * Single-modality episodes: with probability soloProb a row with more than one present modality keeps
 * one of them, chosen uniformly, so each modality's path through the fused model learns to stand alone.
 * Draws nothing when soloProb is 0, so runs without it keep their random stream.
 */
export function soloModalities(present: Uint8Array, soloProb: number, random: () => number): Uint8Array {
  if (!(soloProb >= 0 && soloProb <= 1))
    throw new Error(`Single-modality probability must be in [0, 1], got ${soloProb}`);
  if (soloProb === 0) return present;
  const out = Uint8Array.from(present);
  for (let r = 0; r < present.length / 3; r++) {
    const available = [0, 1, 2].filter((m) => present[r * 3 + m] === 1);
    if (available.length < 2 || random() >= soloProb) continue;
    const keep = available[Math.floor(random() * available.length)]!;
    for (const m of available) out[r * 3 + m] = m === keep ? 1 : 0;
  }
  return out;
}
