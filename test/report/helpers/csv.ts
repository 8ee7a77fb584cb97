/** Writes small submission/solution CSVs into a temporary folder for the score tests. */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function csvDir(): Promise<(name: string, text: string) => Promise<string>> {
  const dir = await mkdtemp(join(tmpdir(), 'digit-sweep-score-'));
  return async (name, text) => {
    const file = join(dir, name);
    await writeFile(file, text);
    return file;
  };
}

/** `ImageId,Label` CSV text of labels (ImageId = index + 1). */
export function labelsCsv(labels: number[], eol = '\n'): string {
  return ['ImageId,Label', ...labels.map((l, i) => `${i + 1},${l}`)].join(eol) + eol;
}
