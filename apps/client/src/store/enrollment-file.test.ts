import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Identity } from '@fedfuse/crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { tempDir } from '../testing/temp-dir.ts';
import { readEnrollment, writeEnrollment, type Enrollment } from './enrollment-file.ts';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(() => cleanup());

function enrollment(): Enrollment {
  const coordinator = Identity.generate({ role: 'coordinator', id: 'c' });
  const keys = coordinator.publicKeys();
  return {
    coordinatorUrl: 'https://coordinator.example.org:8443',
    siteId: crypto.randomUUID(),
    coordinatorSigningKey: keys.signingKey,
    coordinatorBoxKey: keys.boxKey,
    fingerprint: coordinator.fingerprint(),
    status: 'pending',
    enrolledAt: 1_700_000_000_000,
  };
}

describe('enrollment.json', () => {
  it('round-trips every field', async () => {
    const path = join(dir, 'enrollment.json');
    const saved = enrollment();
    await writeEnrollment(path, saved);
    expect(await readEnrollment(path)).toEqual(saved);
  });

  it('refuses a file whose pinned key no longer matches the fingerprint compared out of band', async () => {
    const path = join(dir, 'enrollment.json');
    const saved = enrollment();
    await writeEnrollment(path, saved);
    const other = Identity.generate({ role: 'coordinator', id: 'evil' }).publicKeys();
    const json = JSON.parse(await readFile(path, 'utf8')) as Enrollment;
    await writeFile(path, JSON.stringify({ ...json, coordinatorSigningKey: other.signingKey }));
    await expect(readEnrollment(path)).rejects.toThrow(/fingerprint does not match/);
  });

  it('says to enroll when the file is missing, and names the field when it is invalid', async () => {
    await expect(readEnrollment(join(dir, 'nope.json'))).rejects.toThrow(/run "fedfuse-client enroll" first/);
    const path = join(dir, 'enrollment.json');
    await writeFile(path, JSON.stringify({ ...enrollment(), siteId: 'not-a-uuid' }));
    await expect(readEnrollment(path)).rejects.toThrow(/siteId/);
  });
});
