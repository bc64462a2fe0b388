/** Backends in the order FedFuse prefers them. `tensorflow` is tfjs-node(-gpu)'s native TensorFlow. */
export const BACKEND_PREFERENCE = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_PREFERENCE)[number];
