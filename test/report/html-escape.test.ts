import { mkdtemp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeReports } from '../../src/report/index.js';
import { makeEvaluation, makeStudy } from './helpers/fixture.js';
import { withoutOwnScripts } from './helpers/page.js';

const SCRIPT = '<script>alert(1)</script>';
const IMG = '<img src=x onerror=alert(2)>';

describe('report.html escapes every user string', () => {
  it('renders a hostile study name, param names, categorical values and error messages as text', async () => {
    const root = await mkdtemp(join(tmpdir(), 'digit-sweep-xss-'));
    const study = makeStudy('xss');
    study.name = SCRIPT;
    study.dataSource = `kaggle:/data/${IMG}`;
    for (const t of study.trials) {
      const { optimizer, ...rest } = t.params;
      t.params = { ...rest, [IMG]: `${String(optimizer)}"'&<u>evil</u>`, 'a|b,c"d': 1 };
      if (t.error) t.error = `${SCRIPT} exploded`;
    }
    t0(study).backend = `<iframe>`;
    const studyDir = join(root, 'runs', 'xss');
    await mkdir(join(studyDir, 'trials', '3'), { recursive: true });
    await writeFile(join(studyDir, 'study.json'), JSON.stringify(study));
    await writeFile(join(studyDir, 'trials', '3', 'eval.json'), JSON.stringify(await makeEvaluation(0.99, 3)));
    const out = await writeReports(studyDir, join(root, 'reports'));
    const html = await readFile(join(out.dir, 'report.html'), 'utf8');

    // The page's own two scripts (the trials as JSON, the inline script) and no other; the JSON holds
    // the hostile strings with `<` escaped, so none ends early.
    const rest = withoutOwnScripts(html);
    expect(html.includes('\\u003cscript>alert(1)\\u003c/script> exploded')).toBe(true);
    // (booleans, not toMatch: a failure must not dump the whole page)
    for (const raw of [/<script/i, /<img src=x/i, /<iframe/i, /<u>/i]) expect(raw.test(rest), String(raw)).toBe(false);
    for (const text of [
      '<title>digit-sweep report: &lt;script&gt;alert(1)&lt;/script&gt;</title>',
      '<h1>Study &lt;script&gt;alert(1)&lt;/script&gt;</h1>',
      '&lt;script&gt;alert(1)&lt;/script&gt; exploded',
      '&lt;img src=x onerror=alert(2)&gt;',
      'adam&quot;&#39;&amp;&lt;u&gt;evil&lt;/u&gt;',
      '&lt;iframe&gt;',
    ]) {
      expect(html.includes(text), text).toBe(true);
    }
    // Still a full report: the charts rendered with the hostile names in them.
    expect((html.match(/<figure class="chart"[^>]*><svg\b/g) ?? []).length).toBeGreaterThanOrEqual(7);
    expect(html.includes('could not be rendered')).toBe(false);

    const md = await readFile(join(out.dir, 'leaderboard.md'), 'utf8');
    expect(md).not.toMatch(/<script|<img/i);
    expect(md).toContain('a\\|b,c"d=1');
  });
});

function t0<T>(s: { trials: T[] }): T {
  return s.trials[0]!;
}
