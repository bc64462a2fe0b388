import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

// tfjs-core registers its engine on the global object as soon as it loads, so its absence after importing
// the spec entry in a fresh process shows that nothing there loaded tfjs; the full entry is the control.
const PROBE = `
const spec = await import('@fedfuse/model/spec');
const afterSpec = '_tfengine' in globalThis;
await import('@fedfuse/model');
console.log(JSON.stringify({ afterSpec, afterIndex: '_tfengine' in globalThis, fusions: spec.FUSIONS }));
`;

it('@fedfuse/model/spec loads no tfjs, while the full entry does', async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', '--input-type=module', '--eval', PROBE],
    { cwd: PACKAGE_DIR },
  );
  expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toEqual({
    afterSpec: false,
    afterIndex: true,
    fusions: ['hybrid', 'attention', 'concat', 'early', 'late'],
  });
});
