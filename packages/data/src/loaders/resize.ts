import type { ResizeMethod } from '../config/site-config.ts';

/** Source pixels contributing to one output pixel along one axis, with their weights. */
interface AxisTap {
  index: Int32Array;
  weight: Float32Array;
}

/**
 * Weights mapping `from` source pixels onto `to` output pixels. Area averaging integrates
 * each output pixel's footprint (no aliasing when shrinking); bilinear samples at pixel
 * centres. Enlarging always interpolates: area averaging has nothing to average then.
 */
function axisTaps(options: { from: number; to: number; method: ResizeMethod }): AxisTap[] {
  const { from, to, method } = options;
  const scale = from / to;
  const taps: AxisTap[] = [];
  for (let o = 0; o < to; o++) {
    if (method === 'area' && scale > 1) {
      const start = o * scale;
      const end = start + scale;
      const first = Math.floor(start);
      const last = Math.min(from - 1, Math.ceil(end) - 1);
      const index = new Int32Array(last - first + 1);
      const weight = new Float32Array(last - first + 1);
      for (let i = first; i <= last; i++) {
        index[i - first] = i;
        weight[i - first] = (Math.min(end, i + 1) - Math.max(start, i)) / scale;
      }
      taps.push({ index, weight });
    } else {
      const x = Math.min(Math.max((o + 0.5) * scale - 0.5, 0), from - 1);
      const i0 = Math.floor(x);
      const i1 = Math.min(i0 + 1, from - 1);
      const f = x - i0;
      taps.push({ index: Int32Array.of(i0, i1), weight: Float32Array.of(1 - f, f) });
    }
  }
  return taps;
}

/** Options for {@link resizeInto}: an HWC source image and its NHWC slot in the batch. */
export interface ResizeOptions {
  src: Float32Array;
  srcHeight: number;
  srcWidth: number;
  channels: number;
  dst: Float32Array;
  dstOffset: number;
  dstHeight: number;
  dstWidth: number;
  method: ResizeMethod;
}

/** Resizes an HWC float image straight into `dst` at `dstOffset` (separable: rows, then columns). */
export function resizeInto(o: ResizeOptions): void {
  const c = o.channels;
  if (o.srcHeight === o.dstHeight && o.srcWidth === o.dstWidth) {
    o.dst.set(o.src.subarray(0, o.srcHeight * o.srcWidth * c), o.dstOffset);
    return;
  }
  const xTaps = axisTaps({ from: o.srcWidth, to: o.dstWidth, method: o.method });
  const yTaps = axisTaps({ from: o.srcHeight, to: o.dstHeight, method: o.method });
  const tmp = new Float32Array(o.srcHeight * o.dstWidth * c);
  for (let y = 0; y < o.srcHeight; y++) {
    for (let x = 0; x < o.dstWidth; x++) {
      const tap = xTaps[x] as AxisTap;
      for (let k = 0; k < c; k++) {
        let sum = 0;
        for (let t = 0; t < tap.index.length; t++) {
          sum +=
            (tap.weight[t] as number) *
            (o.src[(y * o.srcWidth + (tap.index[t] as number)) * c + k] as number);
        }
        tmp[(y * o.dstWidth + x) * c + k] = sum;
      }
    }
  }
  for (let y = 0; y < o.dstHeight; y++) {
    const tap = yTaps[y] as AxisTap;
    for (let x = 0; x < o.dstWidth * c; x++) {
      let sum = 0;
      for (let t = 0; t < tap.index.length; t++) {
        sum += (tap.weight[t] as number) * (tmp[(tap.index[t] as number) * o.dstWidth * c + x] as number);
      }
      o.dst[o.dstOffset + y * o.dstWidth * c + x] = sum;
    }
  }
}
