import { describe, expect, it } from 'vitest';
import { initBackend } from './backend.ts';

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
});
