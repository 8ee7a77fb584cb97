/** The studies under a runs/ folder, for `digit-sweep status` without a name. */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isSearchTrial, type StudyRecord } from '../core/types.js';
import { readStudy } from '../storage/study-file.js';

export interface StudySummary {
  name: string;
  trials: number;
  complete: number;
  pruned: number;
  failed: number;
  running: number;
  best: number | null;
  createdAt: string | null;
  /** Why study.json could not be read, if it could not. */
  problem?: string;
}

export async function listStudies(runsDir: string): Promise<StudySummary[]> {
  if (!existsSync(runsDir)) return [];
  const out: StudySummary[] = [];
  for (const entry of (await readdir(runsDir, { withFileTypes: true })).filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    const dir = join(runsDir, entry.name);
    if (!existsSync(join(dir, 'study.json'))) continue;
    try {
      out.push(summarize(await readStudy(dir)));
    } catch (err) {
      out.push({ name: entry.name, trials: 0, complete: 0, pruned: 0, failed: 0, running: 0, best: null, createdAt: null, problem: (err as Error).message });
    }
  }
  return out;
}

function summarize(record: StudyRecord): StudySummary {
  // The search trials: a refit trial's value is a training figure, not comparable (see leaderboard.ts).
  const study = { ...record, trials: record.trials.filter(isSearchTrial) };
  const by = (s: string) => study.trials.filter((t) => t.state === s).length;
  const values = study.trials.filter((t) => t.state === 'complete' && t.value !== null).map((t) => t.value!);
  const best = values.length ? (study.direction === 'minimize' ? Math.min(...values) : Math.max(...values)) : null;
  return {
    name: study.name,
    trials: study.trials.length,
    complete: by('complete'),
    pruned: by('pruned'),
    failed: by('fail'),
    running: by('running'),
    best,
    createdAt: study.createdAt ?? null,
  };
}
