import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SiteDataError } from '../errors.ts';
import { makeTempDir, type TempDir } from '../testing/temp-dir.ts';
import { openRecords, type TextRecord } from './records.ts';

let tmp: TempDir;
beforeEach(async () => {
  tmp = await makeTempDir();
});
afterEach(() => tmp.cleanup());

async function collect(file: string): Promise<TextRecord[]> {
  const out: TextRecord[] = [];
  for await (const record of (await openRecords(file)).records) out.push(record);
  return out;
}

async function failure(file: string): Promise<SiteDataError> {
  const error = await collect(file).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(SiteDataError);
  return error as SiteDataError;
}

describe('openRecords', () => {
  it('keeps empty cells, quoted delimiters and doubled quotes', async () => {
    await tmp.write({ 'a.csv': 'a,,c,\n1,"Smith, J","say ""hi""",x\n"a","",,\n' });
    expect((await collect(tmp.path('a.csv'))).map((r) => r.fields)).toEqual([
      ['a', '', 'c', ''],
      ['1', 'Smith, J', 'say "hi"', 'x'],
      ['a', '', '', ''],
    ]);
  });

  it('reads a quoted note over several lines and numbers each record by its first line', async () => {
    await tmp.write({ 'a.csv': 'id,note,x\r\n1,"line one\r\nline two\nline three",3\n\n2,plain,4\n' });
    expect(await collect(tmp.path('a.csv'))).toEqual([
      { line: 1, fields: ['id', 'note', 'x'] },
      { line: 2, fields: ['1', 'line one\r\nline two\nline three', '3'] },
      { line: 6, fields: ['2', 'plain', '4'] },
    ]);
  });

  it('strips a UTF-8 BOM and skips blank lines', async () => {
    await tmp.write({ 'a.csv': '\ufeffid,x\n \n1,2' });
    expect(await collect(tmp.path('a.csv'))).toEqual([
      { line: 1, fields: ['id', 'x'] },
      { line: 3, fields: ['1', '2'] },
    ]);
  });

  it('reads tab-separated files by extension or by the header', async () => {
    await tmp.write({ 'a.tsv': 'id\tnote\n1\ta, b\n', 'b.txt': 'id\tnote\n1\t"x\ty"\n' });
    expect((await openRecords(tmp.path('a.tsv'))).delimiter).toBe('\t');
    expect((await collect(tmp.path('a.tsv')))[1]?.fields).toEqual(['1', 'a, b']);
    expect((await collect(tmp.path('b.txt')))[1]?.fields).toEqual(['1', 'x\ty']);
  });

  it('keeps a stray quote inside an unquoted cell as data', async () => {
    await tmp.write({ 'a.csv': 'id,height\n1,5\'10"\n' });
    expect((await collect(tmp.path('a.csv')))[1]?.fields).toEqual(['1', '5\'10"']);
  });

  it('reports a quote that is never closed at the line where its record starts', async () => {
    await tmp.write({ 'a.csv': 'id,note\n1,ok\n\n2,"open note\n3,x\n4,y\n' });
    const error = await failure(tmp.path('a.csv'));
    expect(error.line).toBe(4);
    expect(error.message).toBe(
      `${tmp.path('a.csv')}:4: a quoted cell in this record is never closed (the rest of the file would be one cell)`,
    );
  });

  it('names a missing file', async () => {
    expect((await failure(tmp.path('none.csv'))).reason).toBe('file not found');
  });
});
