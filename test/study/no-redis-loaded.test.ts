/**
 * A local sweep loads nothing of Redis (docs/scale-out.md: "nothing of this is loaded without --redis"):
 * the CLI runs a small scripted sweep with a module loader hook (module.register) that records every
 * module the process resolves; no file of ioredis or bullmq may be among them. The control run (the same
 * sweep with --redis, to a port where nothing listens) shows that the hook sees ioredis when it loads.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, runCli } from '../helpers/cli.js';

// Resolve hook, run in the loader thread: appends each resolved URL to the file named in `data`.
const HOOKS = `
import { appendFileSync } from 'node:fs';
let file;
export function initialize(data) { file = data.file; }
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(file, r.url + '\\n');
  return r;
}`;
const REGISTER = `
import { register } from 'node:module';
register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOKS)}`)}, import.meta.url, { data: { file: process.env.RECORD_MODULES } });`;

const REDIS_MODULE = /\/node_modules\/(ioredis|bullmq)\//;

/** Runs `digit-sweep ...args` with the hook; returns the CLI's result and the modules it resolved. */
async function sweepWithHook(dir: string, name: string, args: string[]) {
  const record = join(dir, `${name}.modules`);
  const result = await runCli(['sweep', join(REPO, 'test/fixtures/spaces/redis-asha.yaml'), '--trainer', 'scripted', '--study', name, '--runs', join(dir, 'runs'), '--reports', join(dir, 'reports'), ...args], {
    env: {
      RECORD_MODULES: record,
      NODE_OPTIONS: `--import=data:text/javascript,${encodeURIComponent(REGISTER)}`,
      DIGIT_SWEEP_SCRIPTED_DELAY_MS: '0',
    },
  });
  return { result, modules: readFileSync(record, 'utf8').split('\n').filter(Boolean) };
}

describe('a local sweep', () => {
  const dir = mkdtempSync(join(tmpdir(), 'digit-sweep-no-redis-'));

  it('loads no module of ioredis or bullmq', async () => {
    const { result, modules } = await sweepWithHook(dir, 'local', ['--trials', '3', '--workers', '1']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    // The hook saw the sweep itself (the study, the optimize loop, the pool)...
    expect(modules.some((m) => m.endsWith('/dist/study/sweep.js'))).toBe(true);
    expect(modules.some((m) => m.endsWith('/dist/study/optimize.js'))).toBe(true);
    expect(modules.some((m) => m.endsWith('/dist/pool/runner.js'))).toBe(true);
    // ... and nothing of Redis.
    expect(modules.filter((m) => REDIS_MODULE.test(m))).toEqual([]);
  });

  it('control: with --redis the hook sees ioredis load', async () => {
    const { result, modules } = await sweepWithHook(dir, 'remote', ['--redis', 'redis://127.0.0.1:1']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/cannot reach Redis at redis:\/\/127\.0\.0\.1:1/);
    expect(modules.some((m) => /\/node_modules\/ioredis\//.test(m))).toBe(true);
  });
});
