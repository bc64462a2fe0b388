#!/usr/bin/env node
// Runs the compiled output of `pnpm build` (tsc records Nest's decorator metadata): no TypeScript loader.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write(`fedfuse-coordinator: ${fileURLToPath(entry)} is missing: run \`pnpm build\` first\n`);
  process.exit(1);
}
await import(entry.href);
