import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeReports } from '../../src/report/index.js';
import { BEST_TRIAL, writeStudyFixture } from './helpers/fixture.js';
import { OWN_SCRIPTS } from './helpers/page.js';

describe('report.html', () => {
  let html = '';
  let dir = '';
  let files: string[] = [];
  let reportsDir = '';
  beforeAll(async () => {
    const fx = await writeStudyFixture();
    const out = await writeReports(fx.studyDir, fx.reportsDir);
    dir = out.dir;
    files = out.files;
    reportsDir = fx.reportsDir;
    html = await readFile(join(dir, 'report.html'), 'utf8');
    console.log(`report written to ${dir}`);
  });

  it('is written into reports/<study>/ with the other files, each one whole', async () => {
    expect(await readdir(reportsDir)).toEqual(['mnist-cnn']);
    const names = ['accuracy.png', 'confusion_matrix.png', 'leaderboard.csv', 'leaderboard.json', 'leaderboard.md', 'loss.png', 'report.html'];
    expect((await readdir(dir)).sort()).toEqual(names);
    expect(files.map((f) => f.slice(dir.length + 1)).sort()).toEqual(names);
    for (const f of files) expect((await stat(f)).size, f).toBeGreaterThan(100);
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
  });

  it('loads nothing from the network: no URL in src/href/url(), no <link>, one inline script (browser.test.ts watches the requests)', () => {
    expect(html).not.toMatch(/\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?\/\//i);
    expect(html).not.toMatch(/url\(\s*["']?(?:https?:)?\/\//i);
    expect(html.match(/<script\b[^>]*>/gi)).toEqual(OWN_SCRIPTS);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/@import/i);
    expect(html).not.toMatch(/\b(?:fetch|XMLHttpRequest|import)\s*\(/);
    expect(html).not.toContain('data-events='); // the dashboard's event stream is the dashboard page's only
  });

  it('inlines at least 7 SVG charts', () => {
    const charts = html.match(/<figure class="chart"[^>]*><svg\b/g) ?? [];
    expect(charts.length).toBeGreaterThanOrEqual(7);
    for (const id of ['history', 'curves', 'parallel', 'importance', 'best-accuracy', 'best-loss', 'confusion']) {
      expect(html).toContain(`id="chart-${id}"`);
    }
    expect(html).not.toContain('could not be rendered');
  });

  it('has the summary header, the leaderboard, the importance method and the mistakes gallery', () => {
    expect(html).toContain('Study mnist-cnn');
    expect(html).toContain('bundled MNIST (Kaggle-like split)');
    expect(html).toMatch(/5 complete, 2 pruned, 0 running, 1 fail/);
    expect(html).toContain(`trial #${BEST_TRIAL}`);
    expect(html).toContain('<table class="leaderboard" id="lb-table">');
    expect(html).toContain('fANOVA-like');
    expect(html).toContain('NaN loss at epoch 1 (lr too high)');
    const digits = html.match(/<img src="data:image\/png;base64,[A-Za-z0-9+/=]+"/g) ?? [];
    expect(digits.length).toBe(12);
  });
});
