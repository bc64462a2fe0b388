import { PassThrough } from 'node:stream';
import { expect, it } from 'vitest';

import { progressLog } from './progress-log.ts';

it('writes each progress line as a JSON info line off a terminal, without its layout newlines', () => {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c.toString()));
  const log = progressLog({ stream, now: () => new Date(0) });
  log('\n[1/3] fedavg');
  expect(chunks.join('')).toBe(
    '{"level":"info","time":"1970-01-01T00:00:00.000Z","context":"fedfuse-sim","msg":"[1/3] fedavg"}\n',
  );
});
