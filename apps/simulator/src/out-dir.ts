import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const MARKER = '.fedfuse-sim';
/** Folders a simulation owns inside its output folder; a new simulation starts them afresh. */
const OWNED = ['coordinator', 'clients', 'logs'];

/**
 * Makes `out` ready for a new simulation: creates it, or clears what an earlier simulation left there.
 * A non-empty folder that no simulation wrote is refused, so a typo cannot wipe someone's data.
 */
export function prepareOutDir(out: string): void {
  if (existsSync(out) && readdirSync(out).length > 0 && !existsSync(join(out, MARKER))) {
    throw new Error(`${out} is not empty and was not written by fedfuse-sim; choose another --out`);
  }
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, MARKER), 'written by fedfuse-sim; its subfolders are replaced by the next run\n');
  for (const name of OWNED) rmSync(join(out, name), { recursive: true, force: true });
}

/** The paths inside an output folder. */
export function outPaths(out: string) {
  return {
    sites: join(out, 'sites'),
    coordinator: join(out, 'coordinator'),
    clients: join(out, 'clients'),
    logs: join(out, 'logs'),
    reportJson: join(out, 'report.json'),
    reportHtml: join(out, 'report.html'),
  };
}
