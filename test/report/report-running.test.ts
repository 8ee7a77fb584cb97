import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeReports } from '../../src/report/index.js';
import type { StudyRecord } from '../../src/core/types.js';
import { writeStudyFixture } from './helpers/fixture.js';

describe('report of a running study', () => {
  it('reads the current study.json and shows the running trial', async () => {
    const fx = await writeStudyFixture({ running: true });
    const out = await writeReports(fx.studyDir, fx.reportsDir);
    const html = await readFile(join(out.dir, 'report.html'), 'utf8');
    expect(html).toMatch(/9: 5 complete, 2 pruned, 1 running, 1 fail/);
    expect(html).toContain('tensorflow, wasm');
    const json = JSON.parse(await readFile(join(out.dir, 'leaderboard.json'), 'utf8'));
    expect(json.rows[7]).toMatchObject({ trial: 8, state: 'running', value: null, epochs: 4 });
  });

  it('works for a study with no finished trial yet', async () => {
    const fx = await writeStudyFixture({ running: true });
    const study = JSON.parse(await readFile(join(fx.studyDir, 'study.json'), 'utf8')) as StudyRecord;
    study.trials = study.trials.filter((t) => t.state === 'running');
    await writeFile(join(fx.studyDir, 'study.json'), JSON.stringify(study));
    const out = await writeReports(fx.studyDir, fx.reportsDir);
    expect(out.bestTrial).toBeNull();
    const html = await readFile(join(out.dir, 'report.html'), 'utf8');
    expect(html).toContain('No complete trial yet');
    expect(html.includes('could not be rendered')).toBe(false);
    expect(out.files.map((f) => f.slice(out.dir.length + 1))).toEqual(['leaderboard.md', 'leaderboard.csv', 'leaderboard.json', 'report.html']);
  });

  it('a live write says so and names the dashboard, never reloads itself; the final write has no banner', async () => {
    const fx = await writeStudyFixture({ running: true });
    const live = await writeReports(fx.studyDir, fx.reportsDir, { live: true });
    const liveHtml = await readFile(join(live.dir, 'report.html'), 'utf8');
    expect(liveHtml).not.toMatch(/http-equiv="refresh"/i);
    expect(liveHtml).toMatch(/id="live">Live: the sweep is running; this file is rewritten as trials run/);
    expect(liveHtml).toContain('<code>digit-sweep dashboard mnist-cnn</code>');
    expect(liveHtml).not.toMatch(/location\.reload|data-events=/);
    await writeReports(fx.studyDir, fx.reportsDir);
    const finalHtml = await readFile(join(live.dir, 'report.html'), 'utf8');
    expect(finalHtml).not.toMatch(/http-equiv="refresh"/i);
    expect(finalHtml).not.toContain('id="live"');
  });
});
