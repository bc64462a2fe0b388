import dicomParser from 'dicom-parser';
import { ImageDecodeError, LUMA, type DecodeTarget, type PreparedImage } from '../image-target.ts';
import { COMPRESSED_CODECS, type FrameCodec } from './dicom-codecs.ts';
import { firstEncapsulatedFrame } from './dicom-frame.ts';

/** Uncompressed transfer syntaxes: implicit LE, explicit LE, deflated explicit LE, explicit BE. */
const UNCOMPRESSED = new Set([
  '1.2.840.10008.1.2',
  '1.2.840.10008.1.2.1',
  '1.2.840.10008.1.2.1.99',
  '1.2.840.10008.1.2.2',
]);

type DataSet = ReturnType<typeof dicomParser.parseDicom>;

/** The pixel module attributes FedFuse needs, read from a parsed data set. */
interface PixelModule {
  rows: number;
  columns: number;
  samples: number;
  bitsAllocated: number;
  bitsStored: number;
  signed: boolean;
  planar: boolean;
  invert: boolean;
  slope: number;
  intercept: number;
  /** Modality values mapped to 0 and 1: the VOI window, else the stored value range. */
  low: number;
  high: number;
}

/**
 * Reads the first frame of a DICOM image, uncompressed or compressed with a syntax in
 * COMPRESSED_CODECS (decoded here, asynchronously); its `writeInto` then writes it into a
 * target synchronously, so callers sharing a scratch buffer never interleave. Stored values are rescaled to modality units (slope/intercept),
 * then mapped to [0, 1] by the VOI window when present, otherwise by the range the stored bits
 * can hold, so intensities stay comparable across images (per-image min-max would erase
 * exactly the signal a model needs).
 */
export async function prepareDicom(bytes: Uint8Array): Promise<PreparedImage> {
  let ds: DataSet;
  try {
    ds = dicomParser.parseDicom(bytes);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new ImageDecodeError(`unreadable DICOM: ${message}`);
  }
  const syntax = ds.string('x00020010') ?? '1.2.840.10008.1.2';
  const codec = COMPRESSED_CODECS.get(syntax);
  if (!UNCOMPRESSED.has(syntax) && !codec) {
    throw new ImageDecodeError(
      `DICOM transfer syntax ${syntax} is not supported; export uncompressed, JPEG Baseline (8-bit), JPEG Lossless, JPEG-LS, JPEG 2000 or RLE`,
    );
  }
  const pixel = ds.elements.x7fe00010;
  if (!pixel) throw new ImageDecodeError('DICOM file has no pixel data');
  const m = readPixelModule(ds);
  const frame = codec
    ? { ...(await decodeCompressed({ ds, pixel, m, codec, syntax })), bigEndian: false }
    : { view: uncompressedView(ds, m), planar: m.planar, bigEndian: syntax === BIG_ENDIAN };
  const read = sampleReader(m, frame.view, frame.bigEndian);
  return {
    writeInto: (target) => {
      writePixels({ m: { ...m, planar: frame.planar }, read, target });
      return { width: m.columns, height: m.rows };
    },
  };
}

const BIG_ENDIAN = '1.2.840.10008.1.2.2';

function frameBytes(m: PixelModule): number {
  return m.rows * m.columns * m.samples * (m.bitsAllocated / 8);
}

function uncompressedView(ds: DataSet, m: PixelModule): DataView {
  const pixel = ds.elements.x7fe00010;
  if (!pixel || pixel.encapsulatedPixelData)
    throw new ImageDecodeError('DICOM file has no uncompressed pixel data');
  const perFrame = frameBytes(m);
  if (pixel.length < perFrame) {
    throw new ImageDecodeError(
      `DICOM pixel data holds ${pixel.length} bytes, a ${m.columns}×${m.rows} frame needs ${perFrame}`,
    );
  }
  return new DataView(ds.byteArray.buffer, ds.byteArray.byteOffset + pixel.dataOffset, perFrame);
}

/** Decodes the first compressed frame; a codec's refusal names the syntax it was decoding. */
async function decodeCompressed(o: {
  ds: DataSet;
  pixel: DataSet['elements'][string];
  m: PixelModule;
  codec: FrameCodec;
  syntax: string;
}): Promise<{ view: DataView; planar: boolean }> {
  const { m, codec } = o;
  const where = `${codec.name} (transfer syntax ${o.syntax})`;
  if (!o.pixel.encapsulatedPixelData)
    throw new ImageDecodeError(`${where} file has no encapsulated pixel data`);
  const layout = {
    rows: m.rows,
    columns: m.columns,
    samples: m.samples,
    bytesPerSample: m.bitsAllocated / 8,
  };
  try {
    const frame = await codec.decode(firstEncapsulatedFrame(o.ds, o.pixel), layout);
    const { bytes } = frame;
    // Codecs write samples in the host's byte order: little endian on every supported platform.
    return { view: new DataView(bytes.buffer, bytes.byteOffset, frameBytes(m)), planar: frame.planar };
  } catch (error) {
    if (!(error instanceof ImageDecodeError)) throw error;
    throw new ImageDecodeError(`${where} pixel data cannot be decoded: ${error.message}`);
  }
}

/** Rescales, windows and (for colour) converts every sample into the target. */
function writePixels(o: { m: PixelModule; read: (i: number) => number; target: DecodeTarget }): void {
  const { m, read, target } = o;
  const { data: out, offset } = target.allocate(m.columns, m.rows);
  const n = m.rows * m.columns;
  const span = m.high - m.low;
  const toUnit = (i: number): number => {
    const v = (read(i) * m.slope + m.intercept - m.low) / span;
    const clamped = v < 0 ? 0 : v > 1 ? 1 : v;
    return m.invert ? 1 - clamped : clamped;
  };
  const at = (p: number, k: number): number => (m.samples === 1 ? p : m.planar ? k * n + p : p * 3 + k);
  for (let p = 0; p < n; p++) {
    if (target.channels === 1) {
      out[offset + p] =
        m.samples === 1
          ? toUnit(p)
          : LUMA[0] * toUnit(at(p, 0)) + LUMA[1] * toUnit(at(p, 1)) + LUMA[2] * toUnit(at(p, 2));
    } else {
      for (let k = 0; k < 3; k++) out[offset + p * 3 + k] = toUnit(at(p, m.samples === 1 ? 0 : k));
    }
  }
}

function readPixelModule(ds: DataSet): PixelModule {
  const rows = ds.uint16('x00280010') ?? 0;
  const columns = ds.uint16('x00280011') ?? 0;
  const samples = ds.uint16('x00280002') ?? 1;
  const bitsAllocated = ds.uint16('x00280100') ?? 0;
  const bitsStored = ds.uint16('x00280101') ?? bitsAllocated;
  const photometric = (ds.string('x00280004') ?? 'MONOCHROME2').trim();
  if (rows === 0 || columns === 0) throw new ImageDecodeError('DICOM file has no Rows/Columns');
  if (![8, 16, 32].includes(bitsAllocated))
    throw new ImageDecodeError(`unsupported Bits Allocated ${bitsAllocated}`);
  if (samples !== 1 && samples !== 3) throw new ImageDecodeError(`unsupported Samples per Pixel ${samples}`);
  if (samples === 3 && photometric !== 'RGB')
    throw new ImageDecodeError(`unsupported colour model ${photometric}`);
  const signed = ds.uint16('x00280103') === 1;
  const slope = ds.floatString('x00281053') ?? 1;
  const intercept = ds.floatString('x00281052') ?? 0;
  const { low, high } = valueRange({ ds, signed, bitsStored, slope, intercept });
  const planar = ds.uint16('x00280006') === 1;
  return {
    rows,
    columns,
    samples,
    bitsAllocated,
    bitsStored,
    signed,
    planar,
    invert: photometric === 'MONOCHROME1',
    slope,
    intercept,
    low,
    high,
  };
}

/** Modality values mapped to 0 and 1: the VOI window when present, else the stored bits' range. */
function valueRange(o: {
  ds: DataSet;
  signed: boolean;
  bitsStored: number;
  slope: number;
  intercept: number;
}): {
  low: number;
  high: number;
} {
  const center = o.ds.floatString('x00281050');
  const width = o.ds.floatString('x00281051');
  if (center !== undefined && width !== undefined && width > 1) {
    // DICOM PS3.3 C.11.2.1.2 linear VOI: [c - 0.5 - (w-1)/2, c - 0.5 + (w-1)/2] maps onto [0, 1].
    return { low: center - 0.5 - (width - 1) / 2, high: center - 0.5 + (width - 1) / 2 };
  }
  const min = o.signed ? -(2 ** (o.bitsStored - 1)) : 0;
  const max = o.signed ? 2 ** (o.bitsStored - 1) - 1 : 2 ** o.bitsStored - 1;
  const [low, high] = [min * o.slope + o.intercept, max * o.slope + o.intercept].sort((a, b) => a - b) as [
    number,
    number,
  ];
  return { low, high: high > low ? high : low + 1 };
}

function sampleReader(m: PixelModule, view: DataView, bigEndian: boolean): (i: number) => number {
  const le = !bigEndian;
  const shift = m.bitsAllocated - m.bitsStored;
  // Stored bits sit in the low bits; shifting up and back down masks overlay bits and sign-extends.
  if (m.bitsAllocated === 8) return m.signed ? (i) => view.getInt8(i) : (i) => view.getUint8(i);
  if (m.bitsAllocated === 16) {
    return m.signed
      ? (i) => (view.getInt16(i * 2, le) << (16 + shift)) >> (16 + shift)
      : (i) => (view.getUint16(i * 2, le) << (16 + shift)) >>> (16 + shift);
  }
  return m.signed ? (i) => view.getInt32(i * 4, le) : (i) => view.getUint32(i * 4, le);
}
