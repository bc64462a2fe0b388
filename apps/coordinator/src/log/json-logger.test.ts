import { PassThrough } from 'node:stream';
import { createLogger } from '@fedfuse/log';
import { describe, expect, it } from 'vitest';

import { JsonLogger } from './json-logger.ts';

function capture() {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c.toString()));
  const lines = () =>
    chunks
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { logger: createLogger({ stream, level: 'trace', now: () => new Date(0) }), lines };
}

describe(JsonLogger.name, () => {
  it("writes Nest's calls as JSON lines with the context, and drops levels it was not given", () => {
    const out = capture();
    const nest = new JsonLogger(['log', 'warn', 'error'], out.logger);
    nest.log('listening', 'NestApplication');
    nest.debug('not enabled', 'Noisy');
    expect(out.lines()).toEqual([
      { level: 'info', time: '1970-01-01T00:00:00.000Z', context: 'NestApplication', msg: 'listening' },
    ]);
  });

  it('keeps the fields of an object message', () => {
    const out = capture();
    new JsonLogger(undefined, out.logger).warn(
      { msg: 'sign-in refused', address: '10.0.0.1', attempts: 3 },
      'FailedSignIns',
    );
    expect(out.lines()[0]).toMatchObject({
      level: 'warn',
      context: 'FailedSignIns',
      msg: 'sign-in refused',
      address: '10.0.0.1',
      attempts: 3,
    });
  });

  it("keeps the stack of an error: Nest's stack argument, or the Error's own", () => {
    const out = capture();
    const nest = new JsonLogger(undefined, out.logger);
    nest.error('round failed', 'Error: boom\n    at here', 'RoundService');
    const error = new Error('disk full');
    nest.error(error, 'ModelStore');
    const [first, second] = out.lines();
    expect(first).toMatchObject({
      msg: 'round failed',
      stack: 'Error: boom\n    at here',
      context: 'RoundService',
    });
    expect(second).toMatchObject({ msg: 'disk full', context: 'ModelStore', err: { stack: error.stack } });
  });
});
