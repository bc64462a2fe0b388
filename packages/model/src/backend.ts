import type { EventEmitter } from 'node:events';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
// The union package's Node bundle is what registers tfjs-core's gradients (tfjs-core alone has none).
import '@tensorflow/tfjs';
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { BACKEND_PREFERENCE, type BackendName } from './backend-names.ts';
import { registerCompositeConvGradient } from './conv-gradient.ts';
import { patchWasmKernels } from './wasm-kernels.ts';

export { BACKEND_PREFERENCE, type BackendName };

export interface BackendOptions {
  /** `auto` walks BACKEND_PREFERENCE; a name forces that backend and fails if it cannot start. */
  backend?: BackendName | 'auto';
  /** Threads for the wasm backend (it runs single-threaded under Node unless told otherwise). */
  wasmThreads?: number;
  log?: (line: string) => void;
}

export interface BackendInfo {
  name: BackendName;
  /** Why each preferred backend before the chosen one was passed over. */
  skipped: { name: BackendName; reason: string }[];
}

let active: BackendInfo | undefined;

/**
 * Selects and initialises the tfjs backend once per process, logging the choice.
 * @example await initBackend({ backend: 'wasm' })
 */
export async function initBackend(options: BackendOptions = {}): Promise<BackendInfo> {
  const wanted = options.backend ?? 'auto';
  if (active && (wanted === 'auto' || wanted === active.name)) return active;
  registerCompositeConvGradient();
  const candidates = wanted === 'auto' ? BACKEND_PREFERENCE : [wanted];
  const skipped: BackendInfo['skipped'] = [];
  for (const name of candidates) {
    const reason = await tryBackend(name, options);
    if (reason === undefined) {
      active = { name, skipped };
      const why = skipped.map((s) => `${s.name}: ${s.reason}`).join('; ');
      (options.log ?? console.log)(`fedfuse model backend: ${name}${why ? ` (skipped ${why})` : ''}`);
      return active;
    }
    skipped.push({ name, reason });
  }
  const detail = skipped.map((s) => `${s.name}: ${s.reason}`).join('; ');
  throw new Error(`No tfjs backend could start (${detail})`);
}

/** The backend chosen by initBackend, or undefined before it ran. */
export function activeBackend(): BackendInfo | undefined {
  return active;
}

async function tryBackend(name: BackendName, options: BackendOptions): Promise<string | undefined> {
  try {
    if (name === 'tensorflow-gpu' || name === 'tensorflow') {
      await importNative(name === 'tensorflow-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node');
      if (!(await tf.setBackend('tensorflow'))) return 'the tensorflow backend did not initialise';
      return undefined;
    }
    if (name === 'wasm') {
      await import('@tensorflow/tfjs-backend-wasm');
      patchWasmKernels();
      setThreadsCount(options.wasmThreads ?? 1);
    }
    const started = await withoutAddedCrashHandlers(async () => {
      if (!(await tf.setBackend(name))) return false;
      await tf.ready();
      return true;
    });
    return started ? undefined : `the ${name} backend did not initialise`;
  } catch (error) {
    return firstLine(error);
  }
}

const CRASH_EVENTS = ['uncaughtException', 'unhandledRejection'] as const;

/**
 * The wasm module's Emscripten glue adds process listeners that rethrow every uncaught exception and
 * unhandled rejection: one stray rejection then kills the process past the application's own handlers
 * (a daemon dies dumping minified source; a test worker dies unreported). Those added while the
 * backend starts are removed once it is ready, so errors reach the handlers the application chose.
 */
async function withoutAddedCrashHandlers<T>(start: () => Promise<T>): Promise<T> {
  // The plain emitter view: process's typed overloads take one event name at a time.
  const emitter: EventEmitter = process;
  const before = new Map(CRASH_EVENTS.map((event) => [event, new Set(emitter.listeners(event))]));
  try {
    return await start();
  } finally {
    for (const event of CRASH_EVENTS)
      for (const listener of emitter.listeners(event))
        if (!before.get(event)!.has(listener))
          emitter.removeListener(event, listener as (...args: unknown[]) => void);
  }
}

async function importNative(specifier: string): Promise<void> {
  // Look for the native binding first: importing a package without it half-registers its kernels.
  const require = createRequire(import.meta.url);
  let root: string;
  try {
    root = dirname(require.resolve(`${specifier}/package.json`));
  } catch {
    throw new Error(`${specifier} is not installed (it is an optional dependency)`);
  }
  const libDir = join(root, 'lib');
  const hasBinding =
    existsSync(libDir) && readdirSync(libDir).some((d) => existsSync(join(libDir, d, 'tfjs_binding.node')));
  if (!hasBinding) throw new Error(`${specifier} is installed without its native TensorFlow library`);
  // A variable specifier keeps the type checker from requiring the optional package.
  const moduleName: string = specifier;
  await import(moduleName);
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}
