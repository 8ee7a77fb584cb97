import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeReports } from '../../src/report/index.js';
import { BEST_TRIAL, writeStudyFixture } from './helpers/fixture.js';

describe('report.html', () => {
  let html = '';
  let dir = '';
  beforeAll(async () => {
    const fx = await writeStudyFixture();
    const out = await writeReports(fx.studyDir, fx.reportsDir);
    dir = out.dir;
    html = await readFile(join(dir, 'report.html'), 'utf8');
    console.log(`report written to ${dir}`);
  });

  it('is written into reports/<study>/ with the other files', () => {
    expect(dir.endsWith(join('reports', 'mnist-cnn'))).toBe(true);
  });

  it('loads nothing from the network and needs no script', () => {
    expect(html).not.toMatch(/\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?\/\//i);
    expect(html).not.toMatch(/url\(\s*["']?(?:https?:)?\/\//i);
    expect(html).not.toMatch(/<script\b/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/@import/i);
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
    expect(html).toContain('<table class="leaderboard">');
    expect(html).toContain('fANOVA-like');
    expect(html).toContain('NaN loss at epoch 1 (lr too high)');
    const digits = html.match(/<img src="data:image\/png;base64,[A-Za-z0-9+/=]+"/g) ?? [];
    expect(digits.length).toBe(12);
  });
});
