import { readFileSync } from 'node:fs';

/**
 * A secret read from a file (W9: secrets stay off command lines, where `ps` shows them to every local
 * user). Surrounding whitespace, such as the trailing newline editors add, is not part of it.
 */
export function readSecretFile(path: string, what: string): string {
  let contents: string;
  try {
    contents = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`${what}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const secret = contents.trim();
  if (!secret) throw new Error(`${what}: ${path} is empty`);
  return secret;
}
