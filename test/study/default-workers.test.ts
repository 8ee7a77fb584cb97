import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultWorkers } from '../../src/pool/runner.js';
import { runCli } from '../helpers/cli.js';

describe('workers default to what fits the backend', () => {
  it('one per core on wasm (single-threaded), one per GPU on webgpu and tensorflow', () => {
    expect(defaultWorkers('wasm')).toBe(availableParallelism());
    expect(defaultWorkers('webgpu')).toBe(1);
    expect(defaultWorkers('tensorflow')).toBe(1);
  });

  it('a space without budget.workers runs one worker per core; --workers and budget.workers override it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ds-workers-default-'));
    const space = join(dir, 'space.yaml');
    writeFileSync(space, 'params:\n  lr: { type: float, low: 1.0e-4, high: 1.0e-2, log: true }\nfixed: { epochs: 2 }\nbudget: { trials: 2 }\n');
    // --skip-reports: no reports folder, and the line that says how to write them later.
    const args = ['sweep', space, '--trainer', 'scripted', '--runs', join(dir, 'runs'), '--reports', join(dir, 'reports'), '--skip-reports'];
    const auto = await runCli([...args, '--study', 'a']);
    expect(auto.code).toBe(0);
    expect(auto.stdout).toContain(`; ${availableParallelism()} worker thread(s)`);
    expect(auto.stdout).toContain(`reports: not written (--skip-reports); write them with: digit-sweep report a --runs ${join(dir, 'runs')} --reports ${join(dir, 'reports')}`);
    expect(auto.stdout).not.toContain('live report:');
    expect(existsSync(join(dir, 'reports'))).toBe(false);
    const one = await runCli([...args, '--study', 'b', '--workers', '1']);
    expect(one.stdout).toContain('; 1 worker thread(s)');
    writeFileSync(space, 'params:\n  lr: { type: float, low: 1.0e-4, high: 1.0e-2, log: true }\nfixed: { epochs: 2 }\nbudget: { trials: 2, workers: 3 }\n');
    const three = await runCli([...args, '--study', 'c']);
    expect(three.stdout).toContain('; 3 worker thread(s)');
  });
});
