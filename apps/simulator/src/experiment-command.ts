/** `fedfuse-sim experiment` (placeholder until the preset lands). */
export function runExperimentCommand(_argv: string[]): Promise<number> {
  process.stderr.write('fedfuse-sim experiment: not implemented yet\n');
  return Promise.resolve(2);
}
