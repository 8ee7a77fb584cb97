import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, runCli } from '../helpers/cli.js';

describe('digit-sweep status without a name lists the studies', () => {
  it('shows each study with its counts and best value, and an unreadable one with its problem', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ds-list-'));
    const runs = join(dir, 'runs');
    const sweep = await runCli(['sweep', join(REPO, 'search-spaces/quickstart.yaml'), '--trainer', 'scripted', '--study', 'alpha',
      '--runs', runs, '--reports', join(dir, 'reports'), '--skip-reports']);
    expect(sweep.code).toBe(0);
    mkdirSync(join(runs, 'broken'));
    writeFileSync(join(runs, 'broken', 'study.json'), '{"name": "broken", "tri');
    mkdirSync(join(runs, 'not-a-study'));

    const r = await runCli(['status', '--runs', runs]);
    expect(r.code).toBe(0);
    const alpha = r.stdout.split('\n').find((l) => l.includes('alpha'))!;
    // quickstart: 8 trials; ASHA prunes some of them with the scripted curves
    expect(alpha).toMatch(/│ alpha\s+│ 8\s+│ \d\s+│ \d\s+│ 0\s+│ 0\s+│ 0\.9\d{3} /);
    expect(r.stdout).toMatch(/broken .*unreadable: .*study\.json: invalid JSON, the file is truncated or corrupt \(.*\); there is no .*study\.json\.bak to restore/);
    expect(r.stdout).not.toContain('not-a-study');

    const json = JSON.parse((await runCli(['status', '--runs', runs, '--json'])).stdout) as Array<{ name: string; trials: number }>;
    expect(json.map((s) => s.name)).toEqual(['alpha', 'broken']);
    expect(json[0]!.trials).toBe(8);

    const empty = await runCli(['status', '--runs', join(dir, 'none')]);
    expect(empty.code).toBe(0);
    expect(empty.stdout).toMatch(/no studies in/);
  });
});
