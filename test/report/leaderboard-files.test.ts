import { readdir, readFile } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildLeaderboard, csvField, csvText, leaderboardToCsv, writeLeaderboardFiles } from '../../src/report/leaderboard.js';
import { makeStudy } from './helpers/fixture.js';

/** A minimal RFC 4180 reader, to check the writer round-trips. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\r' && text[i + 1] === '\n') row.push(field), rows.push(row), (row = []), (field = ''), i++;
    else field += c;
  }
  return rows;
}

describe('leaderboard files', () => {
  it('writes md, csv and json atomically into the folder, leaving no temporary file', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'lb-')), 'reports', 'mnist-cnn');
    const study = makeStudy();
    const files = await writeLeaderboardFiles(study, dir);
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual(['leaderboard.md', 'leaderboard.csv', 'leaderboard.json']);
    expect((await readdir(dir)).sort()).toEqual(['leaderboard.csv', 'leaderboard.json', 'leaderboard.md']);

    const md = await readFile(join(dir, 'leaderboard.md'), 'utf8');
    const mdRows = md.split('\n').filter((l) => l.startsWith('| '));
    expect(mdRows).toHaveLength(2 + 8); // header, separator, 8 trials
    expect(mdRows[2]).toMatch(/^\| 1 \| 3 \| complete \| 0\.9936 \| 99\.\d\d% /);
    expect(md).toContain('lr=5.00e-4 dropout=0.25');

    const json = JSON.parse(await readFile(join(dir, 'leaderboard.json'), 'utf8'));
    expect(json.study).toBe('mnist-cnn');
    expect(json.direction).toBe('maximize');
    expect(json.rows.map((r: { trial: number }) => r.trial)).toEqual(buildLeaderboard(study).map((r) => r.trial));
    expect(json.rows[0].params).toEqual({ lr: 5e-4, dropout: 0.25, l2: 3e-6, noise: 0, optimizer: 'adam' });

    const csv = parseCsv(await readFile(join(dir, 'leaderboard.csv'), 'utf8'));
    expect(csv[0]).toEqual(['rank', 'trial', 'state', 'value', 'best_val_acc', 'last_val_acc', 'best_epoch', 'epochs', 'duration_s', 'backend',
      'param:lr', 'param:dropout', 'param:l2', 'param:noise', 'param:optimizer', 'enqueued', 'error']);
    expect(csv).toHaveLength(9);
    expect(csv[1]!.slice(0, 3)).toEqual(['1', '3', 'complete']);
    expect(Number(csv[1]![10])).toBe(5e-4);
  });

  it('escapes text cells that a spreadsheet would run as a formula (=, +, -, @, tab, CR), never numbers', () => {
    expect(csvText('=HYPERLINK("http://x","y")')).toBe(`"'=HYPERLINK(""http://x"",""y"")"`);
    for (const bad of ['+1+1', '-2+3', '@SUM(A1)', '\tx', '\rx']) expect(csvText(bad).replace(/^"|"$/g, '').startsWith(`'${bad[0]}`)).toBe(true);
    expect(csvText('adam')).toBe('adam');
    const study = makeStudy();
    for (const t of study.trials) t.params = { optimizer: '=cmd|calc', lr: -0.5, shift: '-1' };
    study.trials[4]!.error = '@evil';
    const rows = parseCsv(leaderboardToCsv(buildLeaderboard(study)));
    const col = (name: string) => rows[0]!.indexOf(name);
    for (const r of rows.slice(1)) {
      expect(r[col('param:optimizer')]).toBe("'=cmd|calc");
      expect(r[col('param:lr')]).toBe('-0.5'); // a number stays a number
      expect(r[col('param:shift')]).toBe("'-1"); // a string that looks like one does not
    }
    expect(rows.map((r) => r[col('error')])).toContain("'@evil");
  });

  it('quotes CSV fields as RFC 4180 says (user-named params and values round-trip)', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    const study = makeStudy();
    for (const t of study.trials) t.params = { 'odd, "name"\n': `v,"${t.number}"\r\n` };
    study.trials[4]!.error = 'boom, "quoted"\nsecond line';
    const text = leaderboardToCsv(buildLeaderboard(study));
    expect(text.endsWith('\r\n')).toBe(true);
    const rows = parseCsv(text);
    expect(rows).toHaveLength(9);
    expect(rows.every((r) => r.length === rows[0]!.length)).toBe(true);
    expect(rows[0]).toContain('param:odd, "name"\n');
    expect(rows[1]).toContain('v,"3"\r\n');
    expect(rows[8]!.at(-1)).toBe('boom, "quoted"\nsecond line');
  });
});
