import type { ClientEnv } from '../env.ts';

/** An output stream; `isTTY` decides between progress bars and plain lines. */
export type OutStream = NodeJS.WritableStream & { isTTY?: boolean };

/** What a command may touch of the outside world, so tests can run commands in-process. */
export interface CliIo {
  stdout: OutStream;
  stderr: OutStream;
  env: ClientEnv;
  cwd: string;
  /** Registers a handler for SIGINT/SIGTERM (the daemon's clean shutdown). */
  onShutdownSignal?: (handler: () => void) => void;
}

/** Write lines to stdout. */
export function print(io: CliIo, ...lines: string[]): void {
  io.stdout.write(`${lines.join('\n')}\n`);
}
