/**
 * The live report of a Redis study (`sweep --redis`): while the sweep runs, report.html is written from
 * the study in Redis (runs/NAME/study.json, the snapshot, does not exist yet) with the live banner
 * (it never reloads itself); the final one has no banner. Real redis-server, a `digit-sweep worker` child, the scripted trainer.
 */
import { existsSync, mkdirSync, watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { REDIS_TOOL, startRedis, type TestRedis } from '../helpers/redis.js';
import { describeWithTool } from '../helpers/tools.js';
import { cli, tempDir, writeSpace } from '../faults/helpers.js';
import { startWorker, type WorkerProc } from './helpers.js';

const TRIALS = 4;

describeWithTool(REDIS_TOOL, 'live report of a Redis study', () => {
  const dir = tempDir('digit-sweep-live-redis-');
  let redis: TestRedis;
  let worker: WorkerProc | null = null;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await worker?.stop();
    await redis?.stop();
  });

  it('rewrites report.html from Redis while the sweep runs; the final one has no live banner', async () => {
    const space = writeSpace(dir, 'live-redis.yaml', { trials: TRIALS, epochs: 3, workers: 2 });
    const reportFile = join(dir, 'reports', 'live-redis', 'report.html');
    const snapshotFile = join(dir, 'runs', 'live-redis', 'study.json');
    /** Sightings of a live report.html listing trials, with whether study.json existed then. */
    const seen: Array<{ trials: string; snapshot: boolean }> = [];
    const look = async () => {
      const html = await readFile(reportFile, 'utf8').catch(() => '');
      const trials = /<dt>trials<\/dt><dd>([^<]*)<\/dd>/.exec(html)?.[1];
      if (html.includes('id="live"') && trials && !trials.startsWith('0:')) seen.push({ trials, snapshot: existsSync(snapshotFile) });
      // The first live report is out (its trials wait in the queue): now a worker may run them, 100 ms
      // epochs. Live writes every 500 ms (--live-report-ms; the default is 5 s).
      if (seen.length > 0 && !worker) worker = startWorker(redis.url, ['--workers', '2'], { DIGIT_SWEEP_SCRIPTED_DELAY_MS: '100' });
    };
    // The report folder exists beforehand so that every write in it, the first one too, is an event.
    mkdirSync(dirname(reportFile), { recursive: true });
    const watcher = watch(dirname(reportFile), () => void look());
    const r = await cli(['sweep', space, '--trainer', 'scripted', '--redis', redis.url, '--runs', join(dir, 'runs'), '--reports', join(dir, 'reports'), '--live-report-ms', '500'], {
      cwd: dir,
      timeoutMs: 180_000,
    });
    watcher.close();
    expect(r.code, r.err).toBe(0);
    expect(r.err).toBe('');
    expect(r.out).toContain(`live report: ${reportFile}`);
    expect(seen.length, 'a live report.html listing trials').toBeGreaterThan(0);
    // Written from the store in Redis: the snapshot in runs/ is only written when the sweep ends (the
    // last live version stays on disk until the final write, so only the first sighting counts).
    expect(seen[0]!.snapshot, JSON.stringify(seen)).toBe(false);
    const html = await readFile(reportFile, 'utf8');
    expect(html).not.toMatch(/http-equiv="refresh"/);
    expect(html).not.toContain('id="live"');
    expect(r.out).toContain(`digit-sweep dashboard live-redis --runs ${join(dir, 'runs')} --redis ${redis.url}`);
    expect(html).toContain(`<dt>trials</dt><dd>${TRIALS}: ${TRIALS} complete, 0 pruned, 0 running, 0 fail</dd>`);
  }, 240_000);
});
