import { describe, expect, it } from 'vitest';

import { unsupportedNodeMessage } from './supported-node.ts';

describe('unsupportedNodeMessage', () => {
  it.each(['20.20.2', '22.11.0', '18.19.1'])(
    'refuses Node %s, naming the version and the minimum',
    (version) => {
      const message = unsupportedNodeMessage('fedfuse-sim', version);
      expect(message).toContain(`Node.js ${version} is too old`);
      expect(message).toContain('22.12 or newer');
      expect(message).toMatch(/^fedfuse-sim: /);
    },
  );

  it.each(['22.12.0', '22.20.1', '24.21.0', '25.0.0'])('accepts Node %s', (version) => {
    expect(unsupportedNodeMessage('fedfuse-sim', version)).toBeUndefined();
  });
});
