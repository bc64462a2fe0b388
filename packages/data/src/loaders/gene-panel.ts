import { readFile } from 'node:fs/promises';
import { SiteDataError } from '../errors.ts';

/**
 * Reads a gene panel: one gene per line, `#` starts a comment. The panel fixes which genes
 * the model sees and in what order, so it must be the same file at every site.
 */
export async function loadGenePanel(file: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'file not found' : `cannot read (${code ?? 'error'})`;
    throw new SiteDataError({ file, reason: `unknown gene panel: ${why}` });
  }
  const genes: string[] = [];
  const seen = new Map<string, number>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const gene = raw.replace(/#.*$/, '').trim();
    if (gene === '') return;
    const first = seen.get(gene);
    if (first !== undefined) {
      throw new SiteDataError({
        file,
        line: i + 1,
        reason: `gene '${gene}' is listed twice (first on line ${first})`,
      });
    }
    if (/[\s,]/.test(gene))
      throw new SiteDataError({ file, line: i + 1, reason: `'${gene}' is not one gene name` });
    seen.set(gene, i + 1);
    genes.push(gene);
  });
  if (genes.length === 0)
    throw new SiteDataError({ file, reason: 'unknown gene panel: the file lists no genes' });
  return genes;
}
