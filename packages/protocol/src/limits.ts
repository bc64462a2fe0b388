// Every bound a decoder enforces lives here, so the coordinator, the site daemon and the docs agree on them.

const KiB = 1024;
const MiB = 1024 * KiB;

/** Recommended socket.io `maxHttpBufferSize`: every message, chunks included, fits well below it. */
export const MAX_MESSAGE_BYTES = 1 * MiB;

/** Chunk payload size the encoder uses unless told otherwise. */
export const DEFAULT_CHUNK_BYTES = 512 * KiB;

/** Largest chunk payload a decoder accepts; leaves headroom under MAX_MESSAGE_BYTES for framing. */
export const MAX_CHUNK_BYTES = 768 * KiB;

/**
 * Chunks a sender keeps in flight (sent, not yet acknowledged) unless the receiver asks for another
 * window: 4 × 512 KiB covers a 100 Mbit/s link at 160 ms round trip, and bounds what a sender buffers.
 */
export const DEFAULT_CHUNK_WINDOW = 4;

/** Largest window a receiver may ask for; also how far ahead of the first missing chunk one may arrive. */
export const MAX_CHUNK_WINDOW = 16;

/** Most chunks one transfer may have; stops a tiny chunk size from turning into millions of events. */
export const MAX_CHUNK_COUNT = 65_536;

/** Hard ceiling on one transfer (weights or sealed delta): 1 GiB, i.e. 256M float32 parameters. */
export const MAX_TRANSFER_BYTES = 1024 * MiB;

/** Default ceiling a reassembler applies; raise it per deployment up to MAX_TRANSFER_BYTES. */
export const DEFAULT_MAX_TRANSFER_BYTES = 256 * MiB;

/** Tensors per weights manifest. */
export const MAX_TENSORS = 4096;

/** Dimensions per tensor. */
export const MAX_TENSOR_RANK = 8;

/** Parameters per weights blob (float32), implied by MAX_TRANSFER_BYTES. */
export const MAX_PARAMS = MAX_TRANSFER_BYTES / 4;

/** Keys in any metrics or counts record. */
export const MAX_RECORD_KEYS = 256;

/** Histogram bins per task for pooled AUC. */
export const MAX_HISTOGRAM_BINS = 1000;

/** Sites in one federation snapshot. */
export const MAX_SITES = 10_000;

/** Runs in one federation snapshot (the newest; older ones stay on GET /api/runs). */
export const MAX_RUNS = 200;
