/** The dataset a search space's `data` section names, loaded the same way by the driver and remote workers. */
import { resolve } from 'node:path';
import type { Dataset } from './types.js';
import { UserError } from '../core/errors.js';
import type { SearchSpace } from '../search-space/index.js';

/** `where` names the space in errors (its file, or the study). */
export async function loadSpaceData(space: SearchSpace, where: string): Promise<Dataset> {
  const { loadDataset } = await import('./index.js');
  const d = space.data;
  if (d.source === 'kaggle' && !d.dir) throw new UserError(`${where}: data.dir: required when data.source is kaggle`);
  return loadDataset({
    ...(d.source === 'kaggle' ? { source: 'kaggle' as const, dir: resolve(d.dir!) } : { source: 'mnist' as const }),
    ...(d.limit ? { limit: d.limit } : {}),
    valFraction: d.valFraction,
    seed: space.seed,
  });
}

/** The dataset of a study made with the scripted trainer (no images): the driver's and remote workers' alike. */
export const SCRIPTED_DATA: Dataset = {
  source: 'none (scripted trainer)',
  fingerprint: 'scripted',
  train: { count: 0, images: new Uint8Array(0), labels: new Uint8Array(0) },
  val: { count: 0, images: new Uint8Array(0), labels: new Uint8Array(0) },
  test: { count: 0, images: new Uint8Array(0), labels: null },
};
