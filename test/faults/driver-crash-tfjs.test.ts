/**
 * The real trainer (TF.js, wasm): the driver is SIGKILLed in the middle of a trial's 3rd epoch, and the
 * same command is run again: the trial resumes at epoch 3 from its checkpoint (weights, Adam state, LR
 * schedule, RNG position), keeps its recorded epochs 1-2, and its epoch 3 is that of an
 * uninterrupted run of the same trial. A half-saved model folder of the killed run is removed, the kept
 * model is whole (model.json + weights.bin the size model.json expects), and no checkpoint is left.
 * The data are the bundled split's first 100 labeled images (and 30 test images) written once as a
 * Kaggle folder: the same 100 labeled images as `source: mnist, limit: 100`, without each of the three
 * CLI runs decoding all 70,000 bundled images first. 3 batches an epoch: a training step costs about the
 * same CPU whatever its batch size here, so the fewer steps the better, and 3 still let the kill land
 * inside an epoch. One thread (the plain SIMD build): threads are not
 * the point here (test/e2e/sweep.test.ts and test/e2e/train-cli.test.ts run the default ones), and each
 * of the three runs would start the threaded build's pthread pool.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCheckpointFile } from '../../src/storage/checkpoint.js';
import { writeTinyKaggleFolder } from '../helpers/kaggle-folder.js';
import { cli, readStudyFile, tempDir } from './helpers.js';

const EPOCHS = 3;

describe('SIGKILL during real TF.js training', () => {
  it('resumes the trial at epoch 3 from its checkpoint, as if uninterrupted', async () => {
    const dir = tempDir();
    const space = join(dir, 'real.yaml');
    const kaggle = join(dir, 'kaggle');
    await writeTinyKaggleFolder(kaggle, 100, 30);
    writeFileSync(
      space,
      [
        'params:',
        '  lr: { type: float, low: 1.0e-3, high: 3.0e-3, log: true }',
        `fixed: { epochs: ${EPOCHS}, batchSize: 32, plateauPatience: 1, plateauFactor: 0.5, threads: 1 }`,
        'budget: { trials: 1, workers: 1 }',
        'sampler: { type: random }',
        'pruner: { type: none }',
        'lag: 0',
        'seed: 3',
        `data: { source: kaggle, dir: ${JSON.stringify(kaggle)} }`,
        'keepModels: 1',
        '',
      ].join('\n'),
    );
    const runs = join(dir, 'runs');
    const args = (study: string) => ['sweep', space, '--backend', 'wasm', '--study', study, '--runs', runs, '--reports', join(dir, 'reports'), '--skip-reports'];

    // The reference: the same trial, uninterrupted.
    const ref = await cli(args('ref'), { cwd: dir, timeoutMs: 600_000 });
    expect(ref.code, ref.err).toBe(0);
    const reference = readStudyFile(join(runs, 'ref')).trials[0]!;
    expect(reference.epochs).toHaveLength(EPOCHS);

    // Killed during epoch 3, on an event: the worker logs every training batch (DIGIT_SWEEP_BATCH_LOG), and
    // the kill comes when the first of epoch 3's 3 batches (90 training images, 32 a batch) is done (epoch 2 is then checkpointed and
    // recorded; 2 batches, the validation and the checkpoint of epoch 3 are still to come).
    const batchLog = join(dir, 'batches.log');
    const killed = await cli(args('real'), {
      cwd: dir,
      timeoutMs: 600_000,
      env: { DIGIT_SWEEP_BATCH_LOG: batchLog },
      onStart: (child) => {
        const poll = setInterval(() => {
          if (existsSync(batchLog) && /^0 3 1\//m.test(readFileSync(batchLog, 'utf8'))) {
            clearInterval(poll);
            child.kill('SIGKILL');
          }
        }, 10);
        child.on('exit', () => clearInterval(poll));
      },
    });
    expect(readFileSync(batchLog, 'utf8').trim().split('\n').at(-1), 'the kill did not land in epoch 3').toMatch(/^0 3 \d+\/3$/);
    expect(killed.signal, killed.out + killed.err).toBe('SIGKILL');
    const before = readStudyFile(join(runs, 'real')).trials;
    expect(before.map((t) => t.state)).toEqual(['running']);
    expect(before[0]!.epochs.map((m) => m.epoch), 'the kill did not land in epoch 3').toEqual([1, 2]);
    const ckptFile = join(runs, 'real', 'checkpoints', 'trial-0.ckpt');
    const saved = (await readCheckpointFile(ckptFile))!;
    expect(saved.epoch).toBe(2);
    expect(saved.history).toEqual(before[0]!.epochs);
    expect(saved.state).toMatchObject({ trainer: 'tfjs', step: expect.any(Number) });
    // Weights, Adam's iteration count and two moments per trainable weight, best-epoch predictions.
    expect(saved.arrays.filter((a) => a.name.startsWith('opt/'))[0]!.data[0]).toBe(saved.state.step);
    const floats = saved.arrays.reduce((n, a) => n + a.data.length, 0);
    expect(floats).toBeGreaterThan(3 * 458_634);
    // As if the kill had come while the trial saved its model: a half-written folder.
    mkdirSync(join(runs, 'real', 'trials', '0'), { recursive: true });
    writeFileSync(join(runs, 'real', 'trials', '0', 'model.json'), '{"modelTopology": {"class_na');

    const r = await cli(args('real'), { cwd: dir, timeoutMs: 600_000 });
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('trial 0 resumed (2 epoch(s) recorded)');
    expect(r.out).toMatch(/trial 0 complete value [\d.]+ \(resumed at epoch 3\)/);
    const study = readStudyFile(join(runs, 'real'));
    expect(study.trials).toHaveLength(1);
    const t = study.trials[0]!;
    expect(t.state).toBe('complete');
    expect(t.params).toEqual(reference.params);
    expect(t.epochs.slice(0, 2)).toEqual(before[0]!.epochs); // recorded epochs unchanged
    // Epoch 3 continues the same stream as the uninterrupted run.
    for (const e of [2]) {
      expect(t.epochs[e]!.epoch).toBe(e + 1);
      expect(t.epochs[e]!.trainLoss).toBeCloseTo(reference.epochs[e]!.trainLoss, 4);
      expect(t.epochs[e]!.valLoss).toBeCloseTo(reference.epochs[e]!.valLoss, 4);
      expect(t.epochs[e]!.valAcc).toBeCloseTo(reference.epochs[e]!.valAcc, 6);
      expect(t.epochs[e]!.lr).toBeCloseTo(reference.epochs[e]!.lr, 12);
    }
    console.log(
      `driver-crash-tfjs: resumed at epoch 3; epoch 3 valLoss ${t.epochs[2]!.valLoss.toFixed(6)} valAcc ${t.epochs[2]!.valAcc.toFixed(4)} ` +
        `vs uninterrupted ${reference.epochs[2]!.valLoss.toFixed(6)} / ${reference.epochs[2]!.valAcc.toFixed(4)}`,
    );
    expect(existsSync(ckptFile)).toBe(false);
    expect(readdirSync(join(runs, 'real', 'checkpoints'))).toEqual([]);
    expect(t.modelDir).toBeTruthy();
    const modelDir = join(runs, 'real', t.modelDir!);
    const model = JSON.parse(readFileSync(join(modelDir, 'model.json'), 'utf8')) as {
      weightsManifest: Array<{ weights: Array<{ shape: number[] }> }>;
    };
    const bytes = model.weightsManifest.flatMap((g) => g.weights).reduce((n, w) => n + 4 * w.shape.reduce((a, b) => a * b, 1), 0);
    expect(statSync(join(modelDir, 'weights.bin')).size).toBe(bytes);
  }, 900_000);
});
