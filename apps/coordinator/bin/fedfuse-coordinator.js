#!/usr/bin/env node
// Runs the compiled output of `pnpm build` (tsc records Nest's decorator metadata): no TypeScript loader.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write(`fedfuse-coordinator: ${fileURLToPath(entry)} is missing: run \`pnpm build\` first\n`);
  process.exit(1);
}
// Refuse an old Node with a message before loading native modules built for a newer one.
const { unsupportedNodeMessage } = await import('@fedfuse/log/supported-node');
const oldNode = unsupportedNodeMessage('fedfuse-coordinator', process.versions.node);
if (oldNode) {
  process.stderr.write(`${oldNode}\n`);
  process.exit(1);
}
await import(entry.href);
