import { readFileSync } from 'node:fs';

/** The client's version from its package.json, reported to the coordinator in `site:report`. */
export const SOFTWARE_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
