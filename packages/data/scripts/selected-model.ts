// A finished `fedfuse-sim run`'s model at its selected round, for the scripts that score it again.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { createModel, setWeights, type TriModalModel } from '@fedfuse/model';
import { decodeWeights } from '@fedfuse/protocol';

/** The run's model at its selected round, read from the coordinator's data folder. */
export function selectedModel(out: string): { model: TriModalModel; round: number } {
  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { final: { round: number } };
  const db = new DatabaseSync(join(out, 'coordinator', 'coordinator.sqlite'), { readOnly: true });
  const run = db.prepare('SELECT id, config FROM runs').get() as { id: string; config: string };
  db.close();
  const round = report.final.round;
  const file = join(out, 'coordinator', 'runs', run.id, 'checkpoints', `round-${round}.ffwt`);
  const decoded = decodeWeights(new Uint8Array(readFileSync(file)));
  if (!decoded.ok) throw new Error(`${file}: ${decoded.error.message}`);
  const model = createModel((JSON.parse(run.config) as { model: never }).model);
  setWeights(model, decoded.data.values);
  return { model, round };
}
