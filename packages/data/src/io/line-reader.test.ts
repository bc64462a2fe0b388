import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SiteDataError } from '../errors.ts';
import { makeTempDir, type TempDir } from '../testing/temp-dir.ts';
import { readLines, type TextLine } from './line-reader.ts';

let tmp: TempDir;
beforeEach(async () => {
  tmp = await makeTempDir();
});
afterEach(() => tmp.cleanup());

async function collect(file: string): Promise<TextLine[]> {
  const out: TextLine[] = [];
  for await (const line of readLines(file)) out.push(line);
  return out;
}

describe('readLines', () => {
  it('strips a BOM and CR, numbers lines from 1, keeps a last line without newline', async () => {
    await tmp.write({ 'a.csv': '\ufeffid,x\r\n1,2\r\n\r\n3,4' });
    expect(await collect(tmp.path('a.csv'))).toEqual([
      { line: 1, text: 'id,x' },
      { line: 2, text: '1,2' },
      { line: 3, text: '' },
      { line: 4, text: '3,4' },
    ]);
  });

  it('joins lines that straddle read chunks', async () => {
    const long = 'x'.repeat(3_000_000);
    await tmp.write({ 'big.txt': `${long}\nend\n` });
    const lines = await collect(tmp.path('big.txt'));
    expect(lines.map((l) => l.text.length)).toEqual([3_000_000, 3]);
  });

  it('names the file when it does not exist', async () => {
    await expect(collect(tmp.path('nope.csv'))).rejects.toThrow(SiteDataError);
    await expect(collect(tmp.path('nope.csv'))).rejects.toThrow(/nope\.csv: file not found/);
  });
});
