import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';

import { createLogger } from './logger.ts';
import { ProgressBar, renderBar } from './progress-bar.ts';

function capture(isTTY = false) {
  const stream = Object.assign(new PassThrough(), { isTTY });
  const chunks: string[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c.toString()));
  return { stream, text: () => chunks.join('') };
}

describe(createLogger.name, () => {
  it('writes one JSON object per line with ts, level, msg first and the fields', () => {
    const out = capture();
    const log = createLogger({ format: 'json', stream: out.stream, now: () => new Date(0) });
    log.info('round accepted', { roundId: 'r1', msg: 'ignored', err: new Error('boom') });
    log.debug('hidden');
    const line = out.text();
    expect(line.endsWith('\n')).toBe(true);
    expect(line.split('\n')).toHaveLength(2);
    expect(line).toMatch(/^\{"ts":"1970-01-01T00:00:00.000Z","level":"info","msg":"round accepted"/);
    expect(JSON.parse(line)).toEqual({
      ts: '1970-01-01T00:00:00.000Z',
      level: 'info',
      msg: 'round accepted',
      roundId: 'r1',
      err: 'boom',
    });
  });

  it('writes pretty lines with key=value fields', () => {
    const out = capture(true);
    createLogger({ format: 'pretty', stream: out.stream, level: 'debug', now: () => new Date(0) }).warn(
      'slow',
      { s: 3 },
    );
    expect(out.text()).toBe('\r\x1b[K00:00:00 WARN  slow s=3\n');
  });

  it('escapes newlines and bidi characters from values, so no value starts a line of its own', () => {
    for (const format of ['pretty', 'json'] as const) {
      const out = capture();
      const log = createLogger({ format, stream: out.stream, now: () => new Date(0) });
      log.warn('refused: bad\nFAKE LOG LINE', { reason: 'x\r\nFAKE', name: 'a\u202Eb' });
      const lines = out.text().split('\n');
      expect(lines).toHaveLength(2);
      // The pretty prefix's own \r (which clears a progress bar) aside, no raw control is left.
      expect(lines[0]!.replace('\r\x1b[K', '')).not.toMatch(/[\r\u202E]/);
      expect(lines[0]).toContain('\\u202e');
      if (format === 'json') expect(JSON.parse(lines[0]!)).toMatchObject({ name: 'a\u202Eb' });
    }
  });
});

describe(ProgressBar.name, () => {
  it('renders a bar with percent and counts', () => {
    expect(renderBar({ done: 3, total: 4, width: 8 })).toBe('[######--]  75% 3/4');
    expect(renderBar({ done: 9, total: 4, width: 4 })).toBe('[####] 100% 4/4');
  });

  it('draws only on a TTY', () => {
    const tty = capture(true);
    const bar = new ProgressBar(tty.stream, { label: 'training', total: 2, width: 4 });
    bar.update(1, 'loss 0.5');
    bar.finish();
    expect(tty.text()).toBe('\r\x1b[Ktraining [##--]  50% 1/2 loss 0.5\n');
    const file = capture(false);
    const quiet = new ProgressBar(file.stream, { label: 'training', total: 2 });
    quiet.update(1);
    quiet.finish('done');
    expect(file.text()).toBe('');
  });
});
