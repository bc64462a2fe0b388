import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { initBackend } from './backend.ts';

// Run in a fresh process: the wasm module is started once per process, and its listeners are global.
const STRAY_REJECTION_AFTER_WASM = `
const { initBackend } = await import(process.argv[1]);
process.on('unhandledRejection', (reason) => console.log('handled by the application: ' + reason.message));
await initBackend({ backend: 'wasm', log: () => {} });
void Promise.reject(new Error('stray'));
setTimeout(() => console.log('still running'), 50);
`;

describe('initBackend', () => {
  it('falls back past the native backends to wasm here, logging why', async () => {
    const lines: string[] = [];
    const info = await initBackend({ log: (line) => lines.push(line) });
    // This machine cannot download TensorFlow's C library, so tfjs-node has no binding.
    expect(info.name).toBe('wasm');
    expect(info.skipped.map((s) => s.name)).toEqual(['tensorflow-gpu', 'tensorflow']);
    expect(lines[0]).toMatch(/^fedfuse model backend: wasm \(skipped tensorflow-gpu: .+; tensorflow: .+\)$/);
  });

  it('honours an explicit choice, and names the backend that cannot start', async () => {
    expect((await initBackend({ backend: 'cpu', log: () => {} })).name).toBe('cpu');
    await expect(initBackend({ backend: 'tensorflow', log: () => {} })).rejects.toThrow(/tensorflow: /);
  });

  it('leaves uncaught errors to the application: the wasm module’s rethrowing process listeners are removed', () => {
    const child = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        STRAY_REJECTION_AFTER_WASM,
        fileURLToPath(new URL('./backend.ts', import.meta.url)),
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    // Emscripten's listener would rethrow: exit code 7 and a dump of minified source on stderr.
    expect({ status: child.status, stdout: child.stdout }).toEqual({
      status: 0,
      stdout: 'handled by the application: stray\nstill running\n',
    });
  });
});
