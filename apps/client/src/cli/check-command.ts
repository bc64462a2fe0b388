import { formatLoadReport, loadSite } from '@fedfuse/data';

import { CliError, type ExitCode } from '../errors.ts';
import { formatDataSchema, siteDataSchema } from '../daemon/data-schema.ts';
import { ProgressBar } from '../log/progress-bar.ts';
import { openSite, requireDataConfig } from '../store/open-site.ts';
import { siteDir } from './flags.ts';
import { print, type CliIo } from './cli-io.ts';

/** `fedfuse-client check`: load the site data and print the load report and the data schema the daemon reports (exit 1 when it cannot load). */
export async function checkCommand(flags: { dir?: string }, io: CliIo): Promise<ExitCode> {
  const files = await openSite(siteDir(flags.dir, io));
  const config = await requireDataConfig(files);
  const spinner = new ProgressBar(io.stdout, { label: 'loading site data' });
  try {
    const site = await loadSite({ config });
    spinner.finish('done');
    print(io, formatLoadReport(site.report));
    print(io, `\n${formatDataSchema(siteDataSchema(site))}`);
    return 0;
  } catch (err) {
    spinner.finish('failed');
    throw new CliError(
      `the site data cannot be loaded: ${err instanceof Error ? err.message : String(err)}`,
      1,
    );
  }
}
