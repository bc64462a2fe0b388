#!/usr/bin/env bash
# Regenerates the compressed DICOM fixtures under src/loaders/fixtures/dicom/ from one 64×64
# greyscale picture (8-bit and 12-in-16-bit), with Debian's dcmtk and gdcm (apt install dcmtk
# libgdcm-tools). The outputs are committed: CI machines may lack the tools.
set -euo pipefail
out="$(cd "$(dirname "$0")/.." && pwd)/src/loaders/fixtures/dicom"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"
cd "$work"

# A ramp, a disc, a striped block and a low-amplitude wave: structure that a codec bug would show.
python3 - <<'PY'
import math
def picture(bits):
    top = (1 << bits) - 1
    out = []
    for y in range(64):
        for x in range(64):
            v = (x * 3 + y * 2) / (5 * 63) * 0.5
            if (x - 40) ** 2 + (y - 24) ** 2 < 100: v += 0.35
            if 8 <= x < 24 and 36 <= y < 56 and (x + y) % 4 < 2: v += 0.3
            v += 0.05 * math.sin(x * 0.9) * math.cos(y * 1.3)
            out.append(max(0, min(top, int(round(v * top)))))
    return out
for bits, name in ((8, 'grey8.pgm'), (12, 'grey16.pgm')):
    with open(name, 'wb') as f:
        f.write(b'P5\n64 64\n%d\n' % ((1 << bits) - 1))
        values = picture(bits)
        f.write(bytes(values) if bits == 8 else b''.join(v.to_bytes(2, 'big') for v in values))
PY

for depth in 8 16; do
  src="grey${depth}"
  gdcmimg -i "$src.pgm" -o "$src-gdcm.dcm"
  dcmconv +te "$src-gdcm.dcm" "$out/$src-uncompressed.dcm"           # 1.2.840.10008.1.2.1
  ref="$out/$src-uncompressed.dcm"
  dcmcjpeg +e1 "$ref" "$out/$src-jpeg-lossless-sv1.dcm"              # .4.70
  dcmcjpeg +el +sv 6 "$ref" "$out/$src-jpeg-lossless.dcm"            # .4.57
  dcmcjpls +el "$ref" "$out/$src-jpegls-lossless.dcm"                # .4.80
  dcmcjpls +en "$ref" "$out/$src-jpegls-near.dcm"                    # .4.81 (NEAR 2)
  gdcmconv --j2k "$ref" "$out/$src-j2k-lossless.dcm"                 # .4.90
  gdcmconv --j2k --lossy -r 5 "$ref" "$out/$src-j2k-lossy.dcm" >/dev/null  # .4.91, rate 5:1
  gdcmconv --raw "$out/$src-j2k-lossy.dcm" "$out/$src-j2k-lossy-gdcm-decoded.dcm" # gdcm's own decoding
  dcmcrle "$ref" "$out/$src-rle-dcmtk.dcm"                           # .5
  gdcmconv --rle "$ref" "$out/$src-rle-gdcm.dcm"                     # .5
done
# 8-bit baseline JPEG (.4.50), and dcmtk's own decoding of it to compare against.
dcmcjpeg +eb "$out/grey8-uncompressed.dcm" "$out/grey8-jpeg-baseline.dcm"
dcmdjpeg "$out/grey8-jpeg-baseline.dcm" "$out/grey8-jpeg-baseline-dcmtk-decoded.dcm"
# 12-bit extended JPEG (.4.51): a syntax FedFuse refuses, naming it.
dcmcjpeg +ee "$out/grey16-uncompressed.dcm" "$out/grey16-jpeg-extended.dcm"
ls -l "$out"
