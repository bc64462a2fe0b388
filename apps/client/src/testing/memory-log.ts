import { Writable } from 'node:stream';

import { createLogger, type Logger } from '../log/logger.ts';

/** A JSON logger into memory, with a way to await a message (so tests wait on events, not on time). */
export interface MemoryLog {
  log: Logger;
  entries: () => { msg: string; level: string; [field: string]: unknown }[];
  /** Resolves with the `nth` (0-based) entry whose msg is `msg`. */
  waitFor: (msg: string, nth?: number) => Promise<Record<string, unknown>>;
}

/** Create a MemoryLog. */
export function memoryLog(): MemoryLog {
  const lines: Record<string, unknown>[] = [];
  const waiters: { msg: string; nth: number; resolve: (e: Record<string, unknown>) => void }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const entry = JSON.parse(chunk.toString()) as Record<string, unknown>;
      lines.push(entry);
      const nth = lines.filter((l) => l.msg === entry.msg).length - 1;
      for (const w of waiters) if (w.msg === entry.msg && w.nth === nth) w.resolve(entry);
      done();
    },
  });
  const entries = () => lines as ReturnType<MemoryLog['entries']>;
  const waitFor = (msg: string, nth = 0) => {
    const seen = lines.filter((l) => l.msg === msg);
    if (seen.length > nth) return Promise.resolve(seen[nth]!);
    return new Promise<Record<string, unknown>>((resolve) => waiters.push({ msg, nth, resolve }));
  };
  return { log: createLogger({ format: 'json', stream, level: 'debug' }), entries, waitFor };
}
