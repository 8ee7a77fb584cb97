import { describe, expect, it } from 'vitest';
import { buildLeaderboard, renderLeaderboardTable, renderStudyTable } from '../../src/report/leaderboard.js';
import { makeStudy } from './helpers/fixture.js';

describe('leaderboard terminal table', () => {
  it('renders every row with cli-table3, plain by default', () => {
    const text = renderStudyTable(makeStudy('s', { running: true }));
    expect(text).not.toMatch(/\u001b\[/);
    const lines = text.split('\n');
    expect(lines[1]).toMatch(/#.*trial.*state.*best val acc.*last val acc.*epochs.*duration.*backend.*params/);
    const body = lines.filter((l) => /^│\s+\d/.test(l));
    expect(body).toHaveLength(9);
    expect(body[0]).toMatch(/│\s+1 │\s+3 │ complete │\s+99\.\d\d% │/);
    expect(text).toContain('running');
    expect(text).toContain('lr=5.00e-4 dropout=0.25 l2=3.00e-6 noise=0 optimizer=adam');
  });

  it('limits the rows and cuts long params', () => {
    const rows = buildLeaderboard(makeStudy());
    const text = renderLeaderboardTable(rows, { limit: 3, maxParamsWidth: 20 });
    expect(text.split('\n').filter((l) => /^│\s+\d/.test(l))).toHaveLength(3);
    expect(text).toContain('… 5 more trial(s) not shown');
    expect(text).toContain('lr=5.00e-4 dropout=…');
  });
});
