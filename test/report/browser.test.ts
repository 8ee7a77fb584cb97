/**
 * report.html in Debian's headless chromium (puppeteer-core; CI installs the `chromium` package): no
 * console error, page error or failed load (late ones too), no request beyond the file itself and
 * data: URLs, >= 7 charts, the best trials and the charts on the first screen; the leaderboard's
 * sorting, state and param-range filters, all rows one click away, a trial's detail and the
 * comparison of two trials (curves overlaid). One browser and one page for the file.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'puppeteer-core';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { FrozenTrial } from '../../src/core/types.js';
import { writeReports } from '../../src/report/index.js';
import { describeWithTool } from '../helpers/tools.js';
import { CHROMIUM, launchBrowser, watchedPage, type WatchedPage } from './helpers/browser.js';
import { makeStudy, writeStudyFixture } from './helpers/fixture.js';

/** A 45-trial study: the fixture's 8 trials, then copies with other numbers and learning rates. */
async function bigStudy(root: string) {
  const study = makeStudy('big');
  const base = study.trials;
  for (let n = base.length; n < 45; n++) {
    const src = base[n % base.length]!;
    study.trials.push({ ...src, number: n, seed: 2000 + n, params: { ...src.params, lr: Number((1e-4 * (1 + n)).toPrecision(3)) } });
  }
  const studyDir = join(root, 'runs', 'big');
  await mkdir(studyDir, { recursive: true });
  await writeFile(join(studyDir, 'study.json'), JSON.stringify(study));
  const out = await writeReports(studyDir, join(root, 'reports'));
  return { study, file: join(out.dir, 'report.html') };
}

const rowTrials = (p: WatchedPage) => p.page.$$eval('#lb-table tbody tr', (trs) => trs.map((tr) => Number(tr.getAttribute('data-trial'))));

describeWithTool(CHROMIUM, 'report.html in headless chromium', () => {
  let browser: Browser;
  let p: WatchedPage;
  let fixtureReport = '';
  let big: { study: ReturnType<typeof makeStudy>; file: string };
  beforeAll(async () => {
    const fx = await writeStudyFixture();
    fixtureReport = join((await writeReports(fx.studyDir, fx.reportsDir)).dir, 'report.html');
    big = await bigStudy(fx.root);
    browser = await launchBrowser();
    p = await watchedPage(browser);
  });
  afterAll(async () => {
    await browser?.close();
  });
  afterEach(() => {
    expect(p.problems).toEqual([]);
  });

  it('notices console errors, page errors, failed loads and a late error (control page)', async () => {
    const bad = join(big.file, '..', 'control.html');
    await writeFile(
      bad,
      '<!doctype html><img src="missing.png"><script>console.error("CTRL-ERR"); setTimeout(function () { window.late = 1; throw new Error("LATE-THROW"); }, 200); document.documentElement.dataset.rendered = "1"; throw new Error("CTRL-THROW")</script>',
    );
    await p.goto(pathToFileURL(bad).href);
    await p.page.waitForFunction('window.late === 1');
    await expect.poll(() => p.problems.join('\n')).toMatch(/LATE-THROW/);
    const texts = p.problems.join('\n');
    expect(texts).toMatch(/console error: CTRL-ERR/);
    expect(texts).toMatch(/page error: .*CTRL-THROW/);
    expect(texts).toMatch(/missing\.png/);
    p.problems.length = 0;
  });

  it('renders the report: charts, digits, no request beyond the file', async () => {
    p.requests.length = 0;
    const url = pathToFileURL(fixtureReport).href;
    await p.goto(url);
    expect(p.requests.filter((r) => r !== url && !r.startsWith('data:'))).toEqual([]);
    const info = (await p.page.evaluate(`(() => {
      const charts = [...document.querySelectorAll('figure.chart > svg')];
      const imgs = [...document.querySelectorAll('img')];
      return {
        charts: charts.length,
        visible: charts.filter((s) => { const r = s.getBoundingClientRect(); return r.width > 200 && r.height > 100; }).length,
        externalScripts: [...document.scripts].filter((s) => s.src).length,
        digits: document.querySelectorAll('figure.digit img').length,
        brokenImages: imgs.filter((i) => !i.complete || i.naturalWidth === 0).length,
        title: document.querySelector('h1').textContent,
        rows: document.querySelectorAll('#lb-table tbody tr').length,
        firstRow: document.querySelector('#lb-table tbody tr').getAttribute('data-trial'),
      };
    })()`)) as Record<string, number | string>;
    expect(info).toMatchObject({ visible: info.charts, externalScripts: 0, digits: 12, brokenImages: 0, title: 'Study mnist-cnn', rows: 8, firstRow: '3' });
    expect(info.charts).toBeGreaterThanOrEqual(7);
  });

  it('shows the best trials and the top of the first chart on the first screen (1280 x 900), with 45 trials too', async () => {
    for (const file of [fixtureReport, big.file]) {
      await p.goto(pathToFileURL(file).href);
      const at = (await p.page.evaluate(`(() => ({
        row: document.querySelector('#lb-table tbody tr').getBoundingClientRect().bottom,
        chart: document.querySelector('#chart-history').getBoundingClientRect().top,
        screen: window.innerHeight,
      }))()`)) as { row: number; chart: number; screen: number };
      expect(at.row, file).toBeLessThan(at.screen);
      expect(at.chart, file).toBeLessThan(at.screen - 150); // at least 150 px of the chart
    }
  });

  it('shows the best 20 of 45 trials, all of them one click away, sorted by any column', async () => {
    await p.goto(pathToFileURL(big.file).href);
    const ranked = [...big.study.trials].filter((t) => t.value !== null).sort((a, b) => b.value! - a.value!);
    const first = await rowTrials(p);
    expect(first).toHaveLength(20);
    expect(first[0]).toBe(ranked[0]!.number);
    await p.page.click('#lb-all');
    expect(await rowTrials(p)).toHaveLength(45);
    await p.page.click('#lb-table th[data-col="1"]'); // "trial"
    expect((await rowTrials(p)).slice(0, 3)).toEqual([0, 1, 2]);
    await p.page.click('#lb-table th[data-col="1"]');
    expect((await rowTrials(p)).slice(0, 3)).toEqual([44, 43, 42]);
  });

  it('filters by state and by a param range', async () => {
    await p.goto(pathToFileURL(big.file).href);
    await p.page.click('#lb-all');
    await p.page.click('#lb-controls input.f-state[value="complete"]');
    const noComplete = await rowTrials(p);
    const want = (f: (t: FrozenTrial) => boolean) => big.study.trials.filter(f).map((t) => t.number).sort((a, b) => a - b);
    expect([...noComplete].sort((a, b) => a - b)).toEqual(want((t) => t.state !== 'complete'));
    await p.page.click('#lb-controls input.f-state[value="complete"]');
    await p.page.select('#f-param', 'lr');
    await p.page.type('#f-min', '0.0015');
    await p.page.type('#f-max', '0.0025');
    const inRange = await rowTrials(p);
    const lr = (t: FrozenTrial) => t.params.lr as number;
    expect([...inRange].sort((a, b) => a - b)).toEqual(want((t) => lr(t) >= 0.0015 && lr(t) <= 0.0025));
    expect(inRange.length).toBeGreaterThan(3);
  });

  it("opens a trial's detail and overlays two trials' curves", async () => {
    await p.goto(pathToFileURL(fixtureReport).href);
    await p.page.click('#lb-table tbody tr[data-trial="3"] td:nth-child(3)');
    const detail = (await p.page.evaluate(`(() => ({
      hidden: document.getElementById('detail').hidden,
      text: document.getElementById('detail-body').textContent,
      lines: [...document.querySelectorAll('#detail-body svg.mini')].map((s) => s.querySelectorAll('polyline').length),
    }))()`)) as { hidden: boolean; text: string; lines: number[] };
    expect(detail.hidden).toBe(false);
    expect(detail.text).toContain('Trial #3');
    expect(detail.text).toContain(join('mnist-cnn', 'trials', '3'));
    expect(detail.text).toContain('optimizer=adam');
    expect(detail.lines).toEqual([2, 2]); // train and validation, accuracy and loss
    await p.page.click('#lb-table tbody tr[data-trial="0"] input.pick');
    await p.page.click('#lb-table tbody tr[data-trial="2"] input.pick');
    await p.page.click('#lb-compare');
    const cmp = (await p.page.evaluate(`(() => ({
      text: document.getElementById('detail-body').textContent,
      lines: [...document.querySelectorAll('#detail-body svg.mini')].map((s) => s.querySelectorAll('polyline').length),
    }))()`)) as { text: string; lines: number[] };
    expect(cmp.text).toContain('Compare #0, #2');
    expect(cmp.lines).toEqual([2, 2]); // one line per trial, in both charts
  });
});
