import { createRequire } from 'node:module';
import { ImageDecodeError } from '../image-target.ts';
import { decodeRle } from './rle-decode.ts';
import { decodeWithWasm, type WasmCodecName } from './wasm-codecs.ts';

/** The sample layout the DICOM header promises for a frame. */
export interface FrameLayout {
  rows: number;
  columns: number;
  samples: number;
  bytesPerSample: number;
}

/** A decoded frame: little-endian samples, pixel-interleaved unless `planar`. */
export interface DecodedFrame {
  bytes: Uint8Array;
  planar: boolean;
}

/** A codec for one family of transfer syntaxes. */
export interface FrameCodec {
  name: string;
  decode(frame: Uint8Array, layout: FrameLayout): Promise<DecodedFrame>;
}

interface JpegLosslessDecoder {
  decode(buffer: ArrayBuffer, offset: number, length: number, numBytes: number): Uint8Array | Uint16Array;
  frame: { dimX: number; dimY: number; numComp: number };
}

const require = createRequire(import.meta.url);
// The package's published types point at a file it does not ship: its class is typed here.
const { Decoder: JpegLossless } = require('jpeg-lossless-decoder-js') as {
  Decoder: new () => JpegLosslessDecoder;
};

const jpegLossless: FrameCodec = {
  name: 'JPEG Lossless',
  decode: (frame, layout) => {
    const decoder = new JpegLossless();
    let out: Uint8Array | Uint16Array;
    try {
      out = decoder.decode(
        frame.buffer as ArrayBuffer,
        frame.byteOffset,
        frame.length,
        layout.bytesPerSample,
      );
    } catch (error) {
      throw new ImageDecodeError((error as Error).message.replace(/^ERROR:\s*/, ''));
    }
    const { dimX, dimY, numComp } = decoder.frame;
    const bytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    checkFrame(layout, { width: dimX, height: dimY, components: numComp, bytes: bytes.length });
    return Promise.resolve({ bytes, planar: false });
  },
};

function wasmCodec(name: string, codec: WasmCodecName): FrameCodec {
  return {
    name,
    decode: async (frame, layout) => {
      const { info, pixels, interleaveMode } = await decodeWithWasm(codec, frame);
      const { width, height, componentCount: components } = info;
      checkFrame(layout, { width, height, components, bytes: pixels.length });
      return { bytes: pixels, planar: components > 1 && interleaveMode === 0 };
    },
  };
}

const rle: FrameCodec = {
  name: 'RLE Lossless',
  decode: (frame, layout) => Promise.resolve({ bytes: decodeRle(frame, layout), planar: false }),
};

/** Compressed transfer syntaxes FedFuse decodes, by UID (DICOM PS3.5 Section 10 and Annex A.4). */
export const COMPRESSED_CODECS: ReadonlyMap<string, FrameCodec> = new Map([
  ['1.2.840.10008.1.2.4.50', wasmCodec('JPEG Baseline', 'libjpeg-turbo')],
  ['1.2.840.10008.1.2.4.57', jpegLossless],
  ['1.2.840.10008.1.2.4.70', { ...jpegLossless, name: 'JPEG Lossless SV1' }],
  ['1.2.840.10008.1.2.4.80', wasmCodec('JPEG-LS Lossless', 'charls')],
  ['1.2.840.10008.1.2.4.81', wasmCodec('JPEG-LS near-lossless', 'charls')],
  ['1.2.840.10008.1.2.4.90', wasmCodec('JPEG 2000 Lossless', 'openjpeg')],
  ['1.2.840.10008.1.2.4.91', wasmCodec('JPEG 2000', 'openjpeg')],
  ['1.2.840.10008.1.2.5', rle],
]);

/** Refuses a decoded frame whose size disagrees with the header: its pixels would be misplaced. */
function checkFrame(
  layout: FrameLayout,
  got: { width: number; height: number; components: number; bytes: number },
): void {
  const { rows, columns, samples, bytesPerSample } = layout;
  if (got.width !== columns || got.height !== rows || got.components !== samples) {
    throw new ImageDecodeError(
      `decoded frame is ${got.width}×${got.height}×${got.components}, the header says ${columns}×${rows}×${samples}`,
    );
  }
  const want = rows * columns * samples * bytesPerSample;
  if (got.bytes !== want) {
    throw new ImageDecodeError(
      `decoded frame holds ${got.bytes} bytes, ${bytesPerSample}-byte samples need ${want}`,
    );
  }
}
