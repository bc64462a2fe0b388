import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';

import { createLogger } from './create-logger.ts';

function capture(isTTY = false) {
  const stream = Object.assign(new PassThrough(), { isTTY });
  const chunks: string[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c.toString()));
  return { stream, text: () => chunks.join('') };
}

const epoch = () => new Date(0);

describe(createLogger.name, () => {
  it('writes one JSON object per line with level, time, msg and the fields, when not on a terminal', () => {
    const out = capture(false);
    const log = createLogger({ stream: out.stream, now: epoch, base: { context: 'test' } });
    log.info({ roundId: 'r1' }, 'round accepted');
    log.debug('hidden below the default level');
    const lines = out.text().split('\n');
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0]!)).toEqual({
      level: 'info',
      time: '1970-01-01T00:00:00.000Z',
      context: 'test',
      roundId: 'r1',
      msg: 'round accepted',
    });
  });

  it('keeps an error stack under err', () => {
    const out = capture(false);
    const error = new Error('boom');
    createLogger({ stream: out.stream, now: epoch }).error({ err: error }, 'training failed');
    const line = JSON.parse(out.text()) as { err: { type: string; message: string; stack: string } };
    expect(line.err).toMatchObject({ type: 'Error', message: 'boom' });
    expect(line.err.stack).toBe(error.stack);
    expect(line.err.stack).toContain('create-logger.test.ts');
  });

  it('writes pretty text on a terminal, with key=value fields', () => {
    const out = capture(true);
    createLogger({ stream: out.stream, now: epoch, level: 'debug' }).warn({ s: 3, site: 'A' }, 'slow');
    expect(out.text()).toBe('\r\x1b[K00:00:00 WARN  slow s=3 site=A\n');
  });

  it('honours an explicit format over the terminal check', () => {
    const out = capture(true);
    createLogger({ stream: out.stream, now: epoch, format: 'json' }).info('plain');
    expect(JSON.parse(out.text())).toMatchObject({ level: 'info', msg: 'plain' });
  });

  it('escapes newlines and bidi characters, so no value starts or reorders a line', () => {
    for (const format of ['pretty', 'json'] as const) {
      const out = capture();
      const log = createLogger({ stream: out.stream, now: epoch, format });
      log.warn({ reason: 'x\r\nFAKE', name: 'a\u202Eb' }, 'refused: bad\nFAKE LOG LINE');
      const lines = out.text().split('\n');
      expect(lines).toHaveLength(2);
      // The pretty prefix's own \r (which clears a progress bar) aside, no raw control is left.
      expect(lines[0]!.replace('\r\x1b[K', '')).not.toMatch(/[\r\u202E]/);
      expect(lines[0]).toContain('\\u202e');
      if (format === 'json') expect(JSON.parse(lines[0]!)).toMatchObject({ name: 'a\u202Eb' });
    }
  });
});
