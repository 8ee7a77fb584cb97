/**
 * End to end: a `<script>` that reaches a study through a real sweep (a trial's error message) and a
 * hand-edited study name render as text in report.html, never as markup. (Param names are checked by
 * the space schema and categorical values of trainer params must be numbers, so an error message is the
 * way in; test/report/html-escape.test.ts covers every field on a synthetic study.)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withoutOwnScripts } from '../report/helpers/page.js';
import type { StudyRecord } from '../../src/core/types.js';
import { cli, tempDir, writeSpace } from './helpers.js';

const SCRIPT = '<script>alert(1)</script>';
const NAME = '<img src=x onerror=alert(2)>';

describe('report.html after a sweep with hostile strings', () => {
  it('renders a <script> error message and study name as text', async () => {
    const dir = tempDir();
    const space = writeSpace(dir, 'xss.yaml', { trials: 3, epochs: 2, budget: 'maxConsecutiveFailures: 10' });
    const runs = join(dir, 'runs');
    const reports = join(dir, 'reports');
    // A malformed fault spec: every trial's worker throws an error that quotes it.
    const r = await cli(['sweep', space, '--trainer', 'scripted', '--study', 'xss', '--runs', runs, '--reports', reports], {
      cwd: dir,
      env: { DIGIT_SWEEP_SCRIPTED_FAULT: SCRIPT },
    });
    expect(r.code, r.err).toBe(0);
    const file = join(runs, 'xss', 'study.json');
    const study = JSON.parse(readFileSync(file, 'utf8')) as StudyRecord;
    expect(study.trials.every((t) => t.state === 'fail' && t.error?.includes(SCRIPT))).toBe(true);

    const check = (html: string) => {
      for (const raw of [/<script/i, /<img src=x/i]) expect(raw.test(withoutOwnScripts(html)), String(raw)).toBe(false);
      expect(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;')).toBe(true);
    };
    check(readFileSync(join(reports, 'xss', 'report.html'), 'utf8'));

    // A hand-edited name, through the report command.
    writeFileSync(file, JSON.stringify({ ...study, name: NAME }));
    const rep = await cli(['report', 'xss', '--runs', runs, '--reports', reports], { cwd: dir });
    expect(rep.code, rep.err).toBe(0);
    const html = readFileSync(join(reports, 'xss', 'report.html'), 'utf8');
    check(html);
    expect(html.includes('&lt;img src=x onerror=alert(2)&gt;')).toBe(true);
  });
});
