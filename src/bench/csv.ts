/**
 * Measurement, not a test: exports the full Kaggle-like split (42,000-row train.csv) to a temporary
 * folder and times reading train.csv and test.csv back. Run: `npm run build && node dist/bench/csv.js`
 * (or, while the whole project does not build: `npx esbuild src/bench/csv.ts --bundle --platform=node
 * --format=esm --packages=external --outfile=dist/devbench/csv.mjs && node dist/devbench/csv.mjs`).
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { exportKaggle, readKaggleTest, readKaggleTrain } from '../data/index.js';

async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const out = await fn();
  console.log(`${label.padEnd(28)} ${((performance.now() - t0) / 1000).toFixed(3)} s`);
  return out;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'digit-sweep-csv-bench-'));
  try {
    const result = await timed('export-kaggle (3 files)', () => exportKaggle(dir));
    const size = (await stat(result.train.file)).size;
    console.log(`train.csv: ${result.train.rows} rows, ${(size / 1e6).toFixed(1)} MB`);
    for (let run = 1; run <= 3; run++) {
      const train = await timed(`read train.csv (run ${run})`, () => readKaggleTrain(result.train.file));
      if (train.count !== result.train.rows) throw new Error(`read ${train.count} rows, wrote ${result.train.rows}`);
    }
    await timed('read test.csv', () => readKaggleTest(result.test.file));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
