/**
 * Opens report.html in Debian's headless chromium (CI installs the `chromium` package): no console
 * error, no failed load, >= 7 rendered charts, and a full-page screenshot saved next to the report
 * (its path is printed). Without chromium: a failure in CI, a skip with the reason elsewhere (helpers/tools.ts).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { writeReports } from '../../src/report/index.js';
import { describeWithTool } from '../helpers/tools.js';
import { findChromium, HeadlessPage } from './helpers/cdp.js';
import { writeStudyFixture } from './helpers/fixture.js';

const chromium = findChromium();
const CHROMIUM = { name: 'chromium', present: chromium !== null, reason: 'chromium is not installed (apt-get install -y chromium; .ci/run does it)' };

describeWithTool(CHROMIUM, 'report.html in headless chromium', () => {
  let page: HeadlessPage;
  let dir = '';
  beforeAll(async () => {
    const fx = await writeStudyFixture();
    dir = (await writeReports(fx.studyDir, fx.reportsDir)).dir;
    page = await HeadlessPage.launch(chromium!);
  });
  afterAll(async () => {
    await page?.close();
  });

  it('notices console errors, exceptions and failed loads (control page)', async () => {
    const bad = join(dir, 'control.html');
    await writeFile(bad, '<!doctype html><img src="missing.png"><script>console.error("CTRL-ERR"); throw new Error("CTRL-THROW")</script>');
    await page.goto(pathToFileURL(bad).href);
    const texts = page.problems.map((p) => `${p.kind}/${p.level}: ${p.text}`).join('\n');
    expect(texts).toMatch(/console\/error: CTRL-ERR/);
    expect(texts).toMatch(/exception\/error: .*CTRL-THROW/);
    expect(texts).toMatch(/missing\.png/);
    page.problems.length = 0;
  });

  it('renders the report with no console error, >= 7 charts and a sane screenshot', async () => {
    await page.goto(pathToFileURL(join(dir, 'report.html')).href);
    const errors = page.problems.filter((p) => p.level === 'error' || p.level === 'warning' || p.kind !== 'console');
    expect(errors).toEqual([]);
    const info = await page.evaluate<{ charts: number; visible: number; scripts: number; digits: number; brokenImages: number; title: string; rows: number }>(`(() => {
      const charts = [...document.querySelectorAll('figure.chart > svg')];
      const imgs = [...document.querySelectorAll('img')];
      return {
        charts: charts.length,
        visible: charts.filter((s) => { const r = s.getBoundingClientRect(); return r.width > 200 && r.height > 100; }).length,
        scripts: document.scripts.length,
        digits: document.querySelectorAll('figure.digit img').length,
        brokenImages: imgs.filter((i) => !i.complete || i.naturalWidth === 0).length,
        title: document.querySelector('h1').textContent,
        rows: document.querySelectorAll('table.leaderboard tbody tr').length,
      };
    })()`);
    expect(info.charts).toBeGreaterThanOrEqual(7);
    expect(info.visible).toBe(info.charts);
    expect(info.scripts).toBe(0);
    expect(info.digits).toBe(12);
    expect(info.brokenImages).toBe(0);
    expect(info.title).toBe('Study mnist-cnn');
    expect(info.rows).toBe(8);

    const shot = await page.screenshot();
    const file = join(dir, 'report-screenshot.png');
    await writeFile(file, shot);
    console.log(`screenshot: ${file}`);
    const png = PNG.sync.read(shot);
    expect(png.width).toBeGreaterThan(800);
    expect(png.height).toBeGreaterThan(2000); // the whole page, not just the viewport
  });
});
