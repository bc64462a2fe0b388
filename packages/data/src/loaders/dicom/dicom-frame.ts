import dicomParser from 'dicom-parser';
import { ImageDecodeError } from '../image-target.ts';

type DataSet = ReturnType<typeof dicomParser.parseDicom>;
type Element = DataSet['elements'][string];

/**
 * The first frame of encapsulated (compressed) pixel data. A single-frame image may be split
 * over several fragments; a multi-frame one is cut by its offset table, one fragment per frame,
 * or (JPEG family, whose frames end with an EOI marker) by scanning for frame ends.
 */
export function firstEncapsulatedFrame(ds: DataSet, pixel: Element): Uint8Array {
  const fragments = pixel.fragments ?? [];
  if (fragments.length === 0) throw new ImageDecodeError('compressed pixel data holds no fragments');
  const frames = Number.parseInt(ds.string('x00280008') ?? '1', 10) || 1;
  try {
    if (frames === 1 || fragments.length === 1) {
      return dicomParser.readEncapsulatedPixelDataFromFragments(ds, pixel, 0, fragments.length);
    }
    if ((pixel.basicOffsetTable ?? []).length > 0)
      return dicomParser.readEncapsulatedImageFrame(ds, pixel, 0);
    if (fragments.length === frames)
      return dicomParser.readEncapsulatedPixelDataFromFragments(ds, pixel, 0, 1);
    const table = dicomParser.createJPEGBasicOffsetTable(ds, pixel);
    return dicomParser.readEncapsulatedImageFrame(ds, pixel, 0, table);
  } catch (error) {
    throw new ImageDecodeError(`cannot find the first frame: ${(error as Error).message}`);
  }
}
