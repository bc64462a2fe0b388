/** Secondary Capture Image Storage: the SOP class for images not made by a modality. */
const SECONDARY_CAPTURE = '1.2.840.10008.5.1.4.1.1.7';
const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
/** VRs with a 2-byte reserved field and a 4-byte length in explicit VR encoding. */
const LONG_VRS = new Set(['OB', 'OW', 'OF', 'SQ', 'UT', 'UN']);

/** A monochrome 16-bit image and the attributes that let a reader map it back to [0, 1]. */
export interface WriteDicomOptions {
  /** Stored values, row-major. */
  pixels: Uint16Array;
  rows: number;
  columns: number;
  bitsStored: number;
  rescaleSlope: number;
  rescaleIntercept: number;
  window?: { center: number; width: number };
  patientId: string;
  /** Unique, deterministic SOP Instance UID (e.g. `2.25.<decimal>`). */
  instanceUid: string;
}

/**
 * Writes a minimal Part 10 DICOM file (Explicit VR Little Endian, MONOCHROME2). Hand-written
 * because the generator needs only this one shape and must stay byte-deterministic.
 */
export function writeDicom(o: WriteDicomOptions): Buffer {
  const meta = [
    element({ tag: [0x0002, 0x0001], vr: 'OB', value: Buffer.from([0, 1]) }),
    element({ tag: [0x0002, 0x0002], vr: 'UI', value: SECONDARY_CAPTURE }),
    element({ tag: [0x0002, 0x0003], vr: 'UI', value: o.instanceUid }),
    element({ tag: [0x0002, 0x0010], vr: 'UI', value: EXPLICIT_VR_LITTLE_ENDIAN }),
    element({ tag: [0x0002, 0x0012], vr: 'UI', value: '2.25.1' }),
  ];
  const metaLength = meta.reduce((s, b) => s + b.length, 0);
  const window = o.window
    ? [
        element({ tag: [0x0028, 0x1050], vr: 'DS', value: ds(o.window.center) }),
        element({ tag: [0x0028, 0x1051], vr: 'DS', value: ds(o.window.width) }),
      ]
    : [];
  const body = [
    element({ tag: [0x0008, 0x0016], vr: 'UI', value: SECONDARY_CAPTURE }),
    element({ tag: [0x0008, 0x0018], vr: 'UI', value: o.instanceUid }),
    element({ tag: [0x0008, 0x0060], vr: 'CS', value: 'OT' }),
    element({ tag: [0x0010, 0x0020], vr: 'LO', value: o.patientId }),
    element({ tag: [0x0028, 0x0002], vr: 'US', value: us(1) }),
    element({ tag: [0x0028, 0x0004], vr: 'CS', value: 'MONOCHROME2' }),
    element({ tag: [0x0028, 0x0010], vr: 'US', value: us(o.rows) }),
    element({ tag: [0x0028, 0x0011], vr: 'US', value: us(o.columns) }),
    element({ tag: [0x0028, 0x0100], vr: 'US', value: us(16) }),
    element({ tag: [0x0028, 0x0101], vr: 'US', value: us(o.bitsStored) }),
    element({ tag: [0x0028, 0x0102], vr: 'US', value: us(o.bitsStored - 1) }),
    element({ tag: [0x0028, 0x0103], vr: 'US', value: us(0) }),
    ...window,
    element({ tag: [0x0028, 0x1052], vr: 'DS', value: ds(o.rescaleIntercept) }),
    element({ tag: [0x0028, 0x1053], vr: 'DS', value: ds(o.rescaleSlope) }),
    element({ tag: [0x7fe0, 0x0010], vr: 'OW', value: pixelBytes(o.pixels) }),
  ];
  const preamble = Buffer.alloc(132);
  preamble.write('DICM', 128, 'latin1');
  const groupLength = element({ tag: [0x0002, 0x0000], vr: 'UL', value: ul(metaLength) });
  return Buffer.concat([preamble, groupLength, ...meta, ...body]);
}

function element(o: { tag: [number, number]; vr: string; value: Buffer | string }): Buffer {
  let value = typeof o.value === 'string' ? Buffer.from(o.value, 'latin1') : o.value;
  if (value.length % 2 === 1) {
    // UIDs and binary values pad with NUL, text with a space (PS3.5 6.2).
    const pad = o.vr === 'UI' || o.vr === 'OB' ? 0 : 0x20;
    value = Buffer.concat([value, Buffer.from([pad])]);
  }
  const long = LONG_VRS.has(o.vr);
  const head = Buffer.alloc(long ? 12 : 8);
  head.writeUInt16LE(o.tag[0], 0);
  head.writeUInt16LE(o.tag[1], 2);
  head.write(o.vr, 4, 'latin1');
  if (long) head.writeUInt32LE(value.length, 8);
  else head.writeUInt16LE(value.length, 6);
  return Buffer.concat([head, value]);
}

function us(v: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(v, 0);
  return b;
}

function ul(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v, 0);
  return b;
}

/** A Decimal String of at most 16 characters. */
function ds(v: number): string {
  const text = Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(10)));
  if (text.length > 16) throw new RangeError(`DS value ${v} does not fit 16 characters`);
  return text;
}

function pixelBytes(pixels: Uint16Array): Buffer {
  const b = Buffer.alloc(pixels.length * 2);
  for (let i = 0; i < pixels.length; i++) b.writeUInt16LE(pixels[i] as number, i * 2);
  return b;
}
