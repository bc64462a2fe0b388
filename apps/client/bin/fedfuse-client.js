#!/usr/bin/env node
// The workspace runs TypeScript sources directly (no build step), so the CLI registers tsx first.
import { register } from 'tsx/esm/api';

register();

const { runCli } = await import('../src/cli.ts');
const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
  onShutdownSignal: (handler) => {
    process.once('SIGINT', handler);
    process.once('SIGTERM', handler);
  },
});
// Sockets, workers and timers are closed by now; exit explicitly so a stray handle cannot keep us alive.
process.exit(code);
