/**
 * Debian's chromium driven by puppeteer-core (a maintained DevTools client; it downloads no browser):
 * one browser per test file, pages that record every console error or warning, uncaught page error,
 * failed request and HTTP error for their whole life (late ones too: check `problems` at the end of
 * a test), and `goto` that waits for the page's own signal (`<html data-rendered="1">`, client.ts).
 * Without chromium: a failure in CI, a skip elsewhere (CHROMIUM with describeWithTool, helpers/tools.ts).
 */
import { existsSync } from 'node:fs';
import puppeteer, { type Browser, type HTTPRequest, type Page } from 'puppeteer-core';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
export const CHROMIUM_PATH = process.env.CHROMIUM ?? CANDIDATES.find((p) => existsSync(p)) ?? null;
export const CHROMIUM = {
  name: 'chromium',
  present: CHROMIUM_PATH !== null,
  reason: 'chromium is not installed (apt-get install -y chromium; .ci/run does it)',
};

export function launchBrowser(): Promise<Browser> {
  if (!CHROMIUM_PATH) throw new Error(CHROMIUM.reason);
  return puppeteer.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run'],
    defaultViewport: { width: 1280, height: 900 },
  });
}

export interface WatchedPage {
  page: Page;
  /** "console error: …", "page error: …", "request failed: …", "HTTP 404: …", in order. */
  problems: string[];
  /** Every request the page made (URLs). */
  requests: string[];
  /** Navigates and waits for the page's rendered signal. */
  goto(url: string): Promise<void>;
}

export async function watchedPage(browser: Browser): Promise<WatchedPage> {
  const page = await browser.newPage();
  const problems: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warn') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err instanceof Error ? err.message : String(err)}`));
  page.on('requestfailed', (r: HTTPRequest) => {
    // A dashboard's event stream is cut when the page goes away or the server stops: not the page's fault.
    if (!r.url().endsWith('/events') && !/\/events\?/.test(r.url())) problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  page.on('request', (r) => void requests.push(r.url()));
  return {
    page,
    problems,
    requests,
    goto: async (url) => {
      await page.goto(url, { waitUntil: 'load', timeout: 120_000 });
      await page.waitForFunction('document.documentElement.dataset.rendered === "1"', { timeout: 60_000 });
    },
  };
}
