import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { Identity } from './identity.ts';
import { KeyFileError, readKeyFile, writeKeyFile } from './key-file.ts';

const posix = process.platform !== 'win32';
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fedfuse-keys-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function refusal(path: string): Promise<KeyFileError> {
  try {
    await readKeyFile(path);
  } catch (err) {
    if (err instanceof KeyFileError) return err;
    throw err;
  }
  throw new Error('expected the key file to be refused');
}

describe('key files', () => {
  it('round-trips an identity through a 0600 file', async () => {
    const path = join(dir, 'site.key');
    const id = Identity.generate({ role: 'site', id: 'site-a' });
    await writeKeyFile(path, id);
    if (posix) expect((await stat(path)).mode & 0o777).toBe(0o600);
    const back = await readKeyFile(path);
    expect(back.role).toBe('site');
    expect(back.id).toBe('site-a');
    expect(back.publicKeys()).toEqual(id.publicKeys());
    expect(back.fingerprint()).toBe(id.fingerprint());
  });

  it.runIf(posix).each([0o644, 0o640, 0o604, 0o660])(
    'refuses a key file with mode %o, naming the file and its mode',
    async (mode) => {
      const path = join(dir, 'site.key');
      await writeKeyFile(path, Identity.generate({ role: 'site', id: 's' }));
      await chmod(path, mode);
      const err = await refusal(path);
      expect(err.problem).toBe('permissions');
      expect(err.message).toContain(`Key file ${path} has mode 0${mode.toString(8)}`);
      expect(err.message).toContain(`chmod 600 ${path}`);
    },
  );

  it('refuses to overwrite an existing key file unless asked', async () => {
    const path = join(dir, 'site.key');
    const first = Identity.generate({ role: 'site', id: 'first' });
    await writeKeyFile(path, first);
    await expect(writeKeyFile(path, Identity.generate({ role: 'site', id: 'second' }))).rejects.toThrow(
      `Key file ${path} already exists`,
    );
    expect((await readKeyFile(path)).id).toBe('first');
    await writeKeyFile(path, Identity.generate({ role: 'site', id: 'second' }), { overwrite: true });
    expect((await readKeyFile(path)).id).toBe('second');
  });

  it('refuses a key file whose public keys do not match its secrets', async () => {
    const path = join(dir, 'site.key');
    await writeKeyFile(path, Identity.generate({ role: 'site', id: 's' }));
    const json = JSON.parse(await readFile(path, 'utf8')) as Record<string, string>;
    json.boxPublicKey = Identity.generate({ role: 'site', id: 'other' }).publicKeys().boxKey;
    await writeFile(path, JSON.stringify(json), { mode: 0o600 });
    const err = await refusal(path);
    expect(err.problem).toBe('corrupt');
    expect(err.message).toBe(`Key file ${path} is corrupt: its public keys do not match its secret keys.`);
  });

  it('refuses malformed contents with a message naming the field', async () => {
    const path = join(dir, 'bad.key');
    await writeFile(path, '{"format":"fedfuse-identity/1","role":"site","id":"s","signingSeed":"abc"}', {
      mode: 0o600,
    });
    expect((await refusal(path)).message).toBe(
      `Key file ${path} is corrupt: signingSeed is not valid base64.`,
    );
    await writeFile(path, 'not json', { mode: 0o600 });
    expect((await refusal(path)).message).toBe(`Key file ${path} is corrupt: not JSON.`);
  });

  it('refuses a directory', async () => {
    expect((await refusal(dir)).problem).toBe('not_a_file');
  });
});
