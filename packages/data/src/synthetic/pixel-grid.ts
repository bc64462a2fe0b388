/**
 * A size × size grey image (row-major) whose pixels take `value` at their centres in [0, 1]²,
 * visited row by row: renderers that draw random numbers per pixel stay in a fixed order.
 */
export function renderGrid(size: number, value: (x: number, y: number) => number): Float32Array {
  const out = new Float32Array(size * size);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) out[py * size + px] = value((px + 0.5) / size, (py + 0.5) / size);
  }
  return out;
}
