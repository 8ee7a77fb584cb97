import { readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeReports } from '../../src/report/index.js';
import { BEST_TRIAL, writeStudyFixture } from './helpers/fixture.js';

describe('report without eval.json', () => {
  it('says the best trial has no evaluation instead of crashing, and drops confusion_matrix.png', async () => {
    const fx = await writeStudyFixture();
    await writeReports(fx.studyDir, fx.reportsDir); // an earlier report, with a confusion matrix
    await rm(join(fx.studyDir, 'trials', String(BEST_TRIAL), 'eval.json'));
    const out = await writeReports(fx.studyDir, fx.reportsDir);
    const html = await readFile(join(out.dir, 'report.html'), 'utf8');
    expect(out.evaluation).toMatchObject({ ok: false, reason: 'no eval.json was written for this trial' });
    expect(html).toContain('id="no-eval"');
    expect(html).toContain(`Trial #${BEST_TRIAL} has no evaluation (no eval.json was written for this trial)`);
    expect(html.includes('id="chart-confusion"')).toBe(false);
    expect((html.match(/<figure class="chart"[^>]*><svg\b/g) ?? []).length).toBe(7);
    expect(existsSync(join(out.dir, 'accuracy.png'))).toBe(true);
    expect(existsSync(join(out.dir, 'confusion_matrix.png'))).toBe(false);
  });

  it('reports a malformed eval.json the same way', async () => {
    const fx = await writeStudyFixture();
    await writeFile(join(fx.studyDir, 'trials', String(BEST_TRIAL), 'eval.json'), '{"valAcc": 0.99, "confusion": [[1,2],[3]]');
    const out = await writeReports(fx.studyDir, fx.reportsDir);
    const html = await readFile(join(out.dir, 'report.html'), 'utf8');
    expect(html).toContain('eval.json is not valid JSON');
    await writeFile(join(fx.studyDir, 'trials', String(BEST_TRIAL), 'eval.json'), '{"valAcc": 0.99, "confusion": [[1,2],[3]]}');
    const again = await readFile(join((await writeReports(fx.studyDir, fx.reportsDir)).dir, 'report.html'), 'utf8');
    expect(again).toContain('eval.json has no square confusion matrix');
  });
});
