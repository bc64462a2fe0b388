import { describe, expect, it } from 'vitest';
import { growHeapLimit } from './heap-growth.ts';

describe('growHeapLimit', () => {
  it('sets the growth unless the operator gave one, in node arguments or NODE_OPTIONS', () => {
    expect(growHeapLimit(['--heap-growing-percent=50'], undefined)).toBe(false);
    expect(growHeapLimit([], '--max-old-space-size=4096 --heap_growing_percent=30')).toBe(false);
    expect(growHeapLimit(['--max-old-space-size=4096'], '--enable-source-maps')).toBe(true);
    expect(growHeapLimit([], undefined)).toBe(true);
  });
});
