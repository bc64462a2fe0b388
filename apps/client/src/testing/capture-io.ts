import { Writable } from 'node:stream';

import type { CliIo } from '../cli/cli-io.ts';
import { readEnv } from '../env.ts';

/** CliIo writing into strings, for running commands in-process. */
export function captureIo(cwd: string): CliIo & { out: () => string; err: () => string } {
  const sink = () => {
    const chunks: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk.toString());
        done();
      },
    });
    return { stream, text: () => chunks.join('') };
  };
  const stdout = sink();
  const stderr = sink();
  return {
    stdout: stdout.stream,
    stderr: stderr.stream,
    env: readEnv({}),
    cwd,
    out: stdout.text,
    err: stderr.text,
  };
}
