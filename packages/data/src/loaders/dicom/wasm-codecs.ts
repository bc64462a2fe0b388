import { createRequire } from 'node:module';
import { ImageDecodeError } from '../image-target.ts';

/** What the wasm decoders (CharLS, OpenJPEG, libjpeg-turbo) report about a decoded frame. */
export interface WasmFrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
}

/** The embind decoder class the cornerstone codec builds expose. */
interface WasmDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  decode(): void;
  getFrameInfo(): WasmFrameInfo;
  getDecodedBuffer(): Uint8Array;
  getInterleaveMode?(): number;
  delete(): void;
}

type WasmModule = Record<string, new () => WasmDecoder>;
type EmscriptenFactory = (options: {
  print: (line: string) => void;
  printErr: (line: string) => void;
}) => Promise<WasmModule>;

/** A decoded frame copied out of wasm memory. */
export interface WasmDecoded {
  info: WasmFrameInfo;
  pixels: Uint8Array;
  /** CharLS' interleave mode: 0 means one plane per colour component. */
  interleaveMode: number;
}

/** The wasm codecs: the decode-only builds, each loaded once on first use. */
const WASM_CODECS = {
  charls: { module: '@cornerstonejs/codec-charls/decodewasmjs', decoder: 'JpegLSDecoder' },
  openjpeg: { module: '@cornerstonejs/codec-openjpeg/decodewasmjs', decoder: 'J2KDecoder' },
  'libjpeg-turbo': { module: '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs', decoder: 'JPEGDecoder' },
} as const;
export type WasmCodecName = keyof typeof WASM_CODECS;

const require = createRequire(import.meta.url);
const loaded = new Map<WasmCodecName, Promise<WasmModule>>();
/** The codecs' own log lines (OpenJPEG reports errors there, not by throwing), latest decode. */
const messages: string[] = [];

function load(name: WasmCodecName): Promise<WasmModule> {
  let module = loaded.get(name);
  if (!module) {
    const factory = require(WASM_CODECS[name].module) as EmscriptenFactory;
    // Emscripten's default print goes to stdout: it would interleave with the daemon's log.
    const keep = (line: string): void => void messages.push(line);
    module = factory({ print: keep, printErr: keep });
    loaded.set(name, module);
  }
  return module;
}

/**
 * Decodes one compressed frame with a wasm codec, copying the pixels out before the decoder
 * (and its wasm memory) is freed. A stream the codec refuses throws ImageDecodeError with the
 * codec's own error lines when it printed any.
 */
export async function decodeWithWasm(name: WasmCodecName, frame: Uint8Array): Promise<WasmDecoded> {
  const module = await load(name).catch((error: unknown) => {
    loaded.delete(name);
    throw new ImageDecodeError(`cannot load the ${name} codec: ${(error as Error).message}`);
  });
  const Decoder = module[WASM_CODECS[name].decoder];
  if (!Decoder) throw new ImageDecodeError(`${name} codec has no ${WASM_CODECS[name].decoder}`);
  const decoder = new Decoder();
  messages.length = 0;
  try {
    decoder.getEncodedBuffer(frame.length).set(frame);
    decoder.decode();
    const info = decoder.getFrameInfo();
    if (info.width === 0 || info.height === 0) throw new Error('no frame decoded');
    return {
      info: { ...info },
      pixels: decoder.getDecodedBuffer().slice(),
      interleaveMode: decoder.getInterleaveMode?.() ?? 1,
    };
  } catch (error) {
    // An aborted wasm instance refuses every later call: start a fresh one next time.
    if (error instanceof Error && error.name === 'RuntimeError') loaded.delete(name);
    throw new ImageDecodeError(codecMessage(error));
  } finally {
    freeDecoder(decoder);
  }
}

function freeDecoder(decoder: WasmDecoder): void {
  try {
    decoder.delete();
  } catch {
    // An aborted instance cannot free anything; it is dropped and rebuilt on the next decode.
  }
}

function codecMessage(error: unknown): string {
  const errors = messages.filter((m) => m.startsWith('[ERROR]')).map((m) => m.slice(8).trim());
  if (errors.length > 0) return errors.join('; ');
  // A C++ exception reaches JS as a bare pointer, its text unreadable: say what is known.
  if (typeof error === 'number') return 'the codec rejected the stream';
  return error instanceof Error ? error.message : String(error);
}
