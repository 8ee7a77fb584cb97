/**
 * The real trainer (TF.js, wasm): the driver is SIGKILLed in the middle of a trial's training, and the
 * same command is run again: the interrupted trial fails as interrupted, its half-saved model folder is removed, the
 * sweep completes, and the kept model is whole (model.json + weights.bin the size model.json expects).
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, INTERRUPTED, onLines, readStudyFile, tempDir } from './helpers.js';

describe('SIGKILL during real TF.js training', () => {
  it('fails the interrupted trial, removes its model folder and completes on the rerun', async () => {
    const dir = tempDir();
    const space = join(dir, 'real.yaml');
    writeFileSync(
      space,
      [
        'params:',
        '  lr: { type: float, low: 1.0e-3, high: 3.0e-3, log: true }',
        'fixed: { epochs: 1, batchSize: 64 }',
        'budget: { trials: 2, workers: 1 }',
        'sampler: { type: random }',
        'pruner: { type: none }',
        'lag: 0',
        'seed: 3',
        'data: { source: mnist, limit: 300 }',
        'keepModels: 1',
        '',
      ].join('\n'),
    );
    const runs = join(dir, 'runs');
    const args = ['sweep', space, '--backend', 'wasm', '--study', 'real', '--runs', runs, '--reports', join(dir, 'reports')];
    const killed = await cli(args, {
      cwd: dir,
      onStart: (child) => onLines(child, (l) => l.startsWith('trial 0 started') && setTimeout(() => child.kill('SIGKILL'), 1_000)),
    });
    expect(killed.signal, killed.out + killed.err).toBe('SIGKILL');
    expect(readStudyFile(join(runs, 'real')).trials.map((t) => t.state)).toEqual(['running']);
    // As if the kill had come while the trial saved its model: a half-written folder.
    mkdirSync(join(runs, 'real', 'trials', '0'), { recursive: true });
    writeFileSync(join(runs, 'real', 'trials', '0', 'model.json'), '{"modelTopology": {"class_na');

    const r = await cli(args, { cwd: dir, timeoutMs: 600_000 }); // two real trials: minutes on a loaded machine
    expect(r.code, r.err).toBe(0);
    const study = readStudyFile(join(runs, 'real'));
    expect(study.trials.map((t) => t.state)).toEqual(['fail', 'complete', 'complete']);
    expect(study.trials[0]!.error).toMatch(INTERRUPTED);
    expect(existsSync(join(runs, 'real', 'trials', '0'))).toBe(false);
    const kept = study.trials.filter((t) => t.modelDir);
    expect(kept).toHaveLength(1);
    const modelDir = join(runs, 'real', kept[0]!.modelDir!);
    const model = JSON.parse(readFileSync(join(modelDir, 'model.json'), 'utf8')) as {
      weightsManifest: Array<{ weights: Array<{ shape: number[] }> }>;
    };
    const bytes = model.weightsManifest.flatMap((g) => g.weights).reduce((n, w) => n + 4 * w.shape.reduce((a, b) => a * b, 1), 0);
    expect(statSync(join(modelDir, 'weights.bin')).size).toBe(bytes);
  });
});
