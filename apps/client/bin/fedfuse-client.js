#!/usr/bin/env node
// Runs the compiled output of `pnpm build`: no TypeScript loader at run time.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write(`fedfuse-client: ${fileURLToPath(entry)} is missing: run \`pnpm build\` first\n`);
  process.exit(1);
}
// Refuse an old Node with a message before loading native modules built for a newer one.
const { unsupportedNodeMessage } = await import('@fedfuse/log/supported-node');
const oldNode = unsupportedNodeMessage('fedfuse-client', process.versions.node);
if (oldNode) {
  process.stderr.write(`${oldNode}\n`);
  process.exit(1);
}
// The heap may grow to twice what survives a full collection: rounds move model-sized buffers.
const { growHeapLimit } = await import('@fedfuse/log/heap-growth');
growHeapLimit(process.execArgv, process.env.NODE_OPTIONS);
const { runCli } = await import(entry.href);
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
