/**
 * `exportStudy`: the best complete trial's model, a Kaggle submission.csv predicted on the study's
 * test set (one model, or the mean softmax of the K best kept models, optionally with test-time
 * augmentation) and export.json saying what was used. Everything is computed first and written to a
 * temporary folder next to the destination (fsynced files), which is then renamed into place
 * (src/core/atomic-write.ts): an error leaves the destination as it was.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { writeDirAtomic, writeDurable } from '../core/atomic-write.js';
import { submissionCsvChunks } from '../data/index.js';
import { describeBadValue, UserError } from '../core/errors.js';
import { initBackend, type BackendName } from '../train/backend.js';
import { predictEnsembleParallel } from '../pool/predict-pool.js';
import { accuracy, argmaxLabels, loadTestSet } from './submission.js';
import { readStudyRecord, studyData, studyExportSection } from './study.js';
import { resolveExportChoices, type ExportChoices } from '../core/export-options.js';
import { chooseTrials, type ChosenTrial, type ModelChoice } from './trials.js';
import type { TrialKind } from '../core/types.js';

export interface ExportOptions {
  /** Study name: the folder `runsDir/<study>`. */
  study: string;
  runsDir?: string;
  /** Destination folder; default `reports/<study>/export`. */
  outDir?: string;
  /**
   * Average the softmax of the K best complete trials with a kept model. `top`, `tta`, `models` unset:
   * the study's space's `export:` section, else the defaults (core/export-options.ts resolveExportChoices).
   */
  top?: number;
  tta?: boolean;
  /** `auto`: the refit models when the study has any, else the search trials' (export/trials.ts). */
  models?: ModelChoice;
  backend?: BackendName;
  /** Inference threads (default: every core on wasm/cpu; 1 = in this thread). */
  workers?: number;
  /** Called once every input is checked (study, models, test set), before the (long) predictions. */
  onStart?: (info: { choices: ExportChoices; backend: string; testSource: string; images: number; kind: TrialKind; trials: ChosenTrial[]; notKept: number[] }) => void;
  onProgress?: (done: number, total: number) => void;
}

export interface ExportedTrial {
  number: number;
  /** `refit`: retrained on every labeled image (refitOf: its source search trial). */
  kind: TrialKind;
  refitOf: number | null;
  /** The trial's objective value (validation accuracy by default; a refit's: its last epoch's training accuracy or loss). */
  value: number;
  /** Model folder relative to the study folder. */
  modelDir: string;
  /** This model's accuracy on the test set when its labels are known. */
  testAccuracy: number | null;
}

export interface ExportResult {
  study: string;
  outDir: string;
  backend: string;
  /** The kind of the models used. */
  kind: TrialKind;
  /** K asked for and K used (trials with a kept model). */
  top: number;
  used: number;
  tta: boolean;
  views: string[];
  testSource: string;
  rows: number;
  trials: ExportedTrial[];
  /** Better complete trials skipped because their model was not kept. */
  notKept: number[];
  /** Accuracy of submission.csv when the test labels are known (bundled split), else null. */
  accuracy: number | null;
  files: string[];
}

export async function exportStudy(opts: ExportOptions): Promise<ExportResult> {
  if (opts.top !== undefined && !(Number.isInteger(opts.top) && opts.top >= 1)) throw new UserError(describeBadValue('argument', '--top', 'must be a positive integer', opts.top));
  const studyDir = resolve(opts.runsDir ?? 'runs', opts.study);
  const record = await readStudyRecord(studyDir);
  const data = studyData(record, join(studyDir, 'study.json'));
  const choices = resolveExportChoices(studyExportSection(record, join(studyDir, 'study.json')), {
    ...(opts.top !== undefined ? { top: opts.top } : {}),
    ...(opts.tta !== undefined ? { tta: opts.tta } : {}),
    ...(opts.models !== undefined ? { models: opts.models } : {}),
  });
  const { top, tta } = choices;
  const { kind, chosen, notKept } = chooseTrials(record, studyDir, top, choices.models);
  const outDir = resolve(opts.outDir ?? join('reports', opts.study, 'export'));
  checkDestination(outDir);
  const modelFiles = await Promise.all(chosen.map((c) => modelFileList(c.dir)));

  const backend = await initBackend(opts.backend ?? 'auto');
  const test = await loadTestSet(data);
  const prediction = await predictEnsembleParallel(
    chosen.map((c) => c.dir),
    test.images,
    {
      tta,
      backend: backend.name,
      ...(opts.workers !== undefined ? { workers: opts.workers } : {}),
      onReady: () =>
        opts.onStart?.({ choices, backend: backend.name, testSource: test.source, images: test.images.count, kind, trials: chosen, notKept: notKept.map((t) => t.number) }),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    },
  );
  const labels = argmaxLabels(prediction.probabilities);
  const solution = test.solution;
  const trials: ExportedTrial[] = chosen.map((c, i) => ({
    number: c.trial.number,
    kind,
    refitOf: c.trial.refit?.source ?? null,
    value: c.trial.value!,
    modelDir: c.trial.modelDir!,
    testAccuracy: solution ? accuracy(argmaxLabels(prediction.perModel[i]!), solution) : null,
  }));
  const result: ExportResult = {
    study: record.name,
    outDir,
    backend: backend.name,
    kind,
    top,
    used: chosen.length,
    tta,
    views: prediction.views.map((v) => v.name),
    testSource: test.source,
    rows: labels.length,
    trials,
    notKept: notKept.map((t) => t.number),
    accuracy: solution ? accuracy(labels, solution) : null,
    files: [],
  };

  await writeExport(outDir, async (tmp) => {
    const written: string[] = [];
    // The best trial's model at the top of the folder; the other ensemble members under trial-<n>/.
    for (let i = 0; i < chosen.length; i++) {
      const sub = i === 0 ? '' : `trial-${chosen[i]!.trial.number}`;
      if (sub) await mkdir(join(tmp, sub));
      for (const name of modelFiles[i]!) {
        await writeDurable(join(tmp, sub, name), await readFile(join(chosen[i]!.dir, name)));
        written.push(join(sub, name));
      }
    }
    const csv = Buffer.concat([...submissionCsvChunks(labels)]);
    await writeDurable(join(tmp, 'submission.csv'), csv);
    written.push('submission.csv', 'export.json');
    result.files = written;
    const summary = {
      study: result.study,
      exportedAt: new Date().toISOString(),
      model: 'model.json',
      kind: result.kind,
      top: result.top,
      used: result.used,
      tta: result.tta,
      views: result.views,
      testSource: result.testSource,
      rows: result.rows,
      accuracy: result.accuracy,
      trials: trials.map((t, i) => ({ ...t, exportedTo: i === 0 ? '.' : `trial-${t.number}` })),
      notKept: result.notKept,
      backend: result.backend,
    };
    await writeDurable(join(tmp, 'export.json'), `${JSON.stringify(summary, null, 2)}\n`);
  });
  return result;
}

/** The files of a model folder to copy: model.json and the weight files its manifest names. */
async function modelFileList(dir: string): Promise<string[]> {
  const file = join(dir, 'model.json');
  let json: { weightsManifest?: Array<{ paths?: unknown }> };
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(code === 'ENOENT' ? `${file}: model not found` : `${file}: not a valid model.json (${(err as Error).message.split('\n')[0]})`);
  }
  const paths = Array.isArray(json.weightsManifest) ? json.weightsManifest.flatMap((g) => (Array.isArray(g.paths) ? g.paths : [])) : [];
  for (const p of paths) {
    // A manifest path must stay inside the folder: it is copied next to model.json.
    if (typeof p !== 'string' || p === '' || p.includes('/') || p.includes('\\') || p === '..' || p === 'model.json') {
      throw new UserError(describeBadValue(file, 'weightsManifest.paths', 'must be file names in the model folder', p));
    }
  }
  return ['model.json', ...new Set(paths as string[])];
}

/** The destination must be absent, empty, or an earlier export (it is replaced as a whole). */
function checkDestination(outDir: string): void {
  if (!existsSync(outDir)) return;
  if (!statSync(outDir).isDirectory()) throw new UserError(`${outDir}: exists and is not a folder`);
  const entries = readdirSync(outDir);
  if (entries.length > 0 && !entries.includes('export.json')) {
    throw new UserError(`${outDir}: folder is not empty and holds no export.json; choose another --out`);
  }
}

/** Fills a temporary folder next to `outDir` with `fill`, then swaps it into place (the one atomic writer). */
async function writeExport(outDir: string, fill: (tmp: string) => Promise<void>): Promise<void> {
  try {
    await writeDirAtomic(outDir, fill);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (typeof code === 'string') throw new UserError(`${outDir}: cannot write the export (${code})`);
    throw err;
  }
}
