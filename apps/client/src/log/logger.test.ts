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
  it('puts the message it was given over a msg field, and drops lines below its level', () => {
    const out = capture();
    const log = createLogger({ format: 'json', stream: out.stream });
    log.info('round accepted', { roundId: 'r1', msg: 'ignored' });
    log.debug('hidden');
    expect(out.text().split('\n')).toHaveLength(2);
    expect(JSON.parse(out.text())).toMatchObject({ level: 'info', roundId: 'r1', msg: 'round accepted' });
  });

  it('keeps the stack of an error logged under err', () => {
    const out = capture();
    const error = new Error('boom');
    createLogger({ format: 'json', stream: out.stream }).error('training failed', { err: error });
    expect(JSON.parse(out.text())).toMatchObject({ err: { message: 'boom', stack: error.stack } });
  });

  it('writes pretty lines with key=value fields on a terminal', () => {
    const out = capture(true);
    createLogger({ stream: out.stream, level: 'debug', now: () => new Date(0) }).warn('slow', { s: 3 });
    expect(out.text()).toBe('\r\x1b[K00:00:00 WARN  slow s=3\n');
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
