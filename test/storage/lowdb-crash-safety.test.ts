import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import { LowdbTrialStore, SafeStudyFile } from '../../src/storage/index.js';
import { STUDY } from './contract.js';

async function storeWithTrials(): Promise<LowdbTrialStore> {
  const s = new LowdbTrialStore(join(mkdtempSync(join(tmpdir(), 'ds-safe-')), 'study'));
  await s.createStudy(STUDY);
  await s.createTrial({ params: { lr: 1 }, seed: 1 });
  await s.createTrial({ params: { lr: 2 }, seed: 2 });
  return s;
}

describe('lowdb store: atomic writes, backup, corrupt files', () => {
  it('keeps the previous good copy as study.json.bak and leaves no temporary files', async () => {
    const s = await storeWithTrials();
    const cur = JSON.parse(readFileSync(s.file, 'utf8'));
    const bak = JSON.parse(readFileSync(`${s.file}.bak`, 'utf8'));
    expect(cur.trials.length).toBe(2);
    expect(bak.trials.length).toBe(1);
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(s.dir).sort()).toEqual(['study.json', 'study.json.bak']);
  });

  it('a truncated study.json is a one-line UserError naming the file and the backup; nothing is overwritten', async () => {
    const s = await storeWithTrials();
    const full = readFileSync(s.file, 'utf8');
    writeFileSync(s.file, full.slice(0, full.length / 2));
    const bakBefore = readFileSync(`${s.file}.bak`, 'utf8');
    const again = new LowdbTrialStore(s.dir);
    const err = await again.listTrials().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    const msg = (err as Error).message;
    expect(msg).not.toContain('\n');
    expect(msg).toMatch(new RegExp(`^${s.file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: invalid JSON`));
    expect(msg).toContain('study.json.bak');
    await expect(again.createStudy(STUDY)).rejects.toBeInstanceOf(UserError);
    await expect(again.createTrial({ params: {}, seed: 1 })).rejects.toBeInstanceOf(UserError);
    expect(readFileSync(s.file, 'utf8')).toBe(full.slice(0, full.length / 2));
    expect(readFileSync(`${s.file}.bak`, 'utf8')).toBe(bakBefore);
  });

  it('an empty or non-study file is refused too', async () => {
    const s = await storeWithTrials();
    writeFileSync(s.file, '');
    await expect(new LowdbTrialStore(s.dir).getStudy()).rejects.toThrow(/empty \(truncated\) study file; restore .*study\.json\.bak/);
    writeFileSync(s.file, '[]');
    await expect(new LowdbTrialStore(s.dir).getStudy()).rejects.toThrow(/not a study file \(not a JSON object\)/);
    writeFileSync(s.file, '{"trials": []}');
    await expect(new LowdbTrialStore(s.dir).getStudy()).rejects.toThrow(/not a study file \(no study name\)/);
  });

  it('restoring the backup recovers the study', async () => {
    const s = await storeWithTrials();
    writeFileSync(s.file, '{"name": "contr');
    writeFileSync(s.file, readFileSync(`${s.file}.bak`));
    expect((await new LowdbTrialStore(s.dir).listTrials()).length).toBe(1);
  });

  it('a missing study.json next to a backup is reported, not silently recreated', async () => {
    const s = await storeWithTrials();
    const { rmSync } = await import('node:fs');
    rmSync(s.file);
    await expect(new LowdbTrialStore(s.dir).getStudy()).rejects.toThrow(/missing, but .*study\.json\.bak exists/);
    expect(existsSync(`${s.file}.bak`)).toBe(true);
  });

  it('never writes an empty study over study.json', async () => {
    const s = await storeWithTrials();
    const before = readFileSync(s.file, 'utf8');
    const adapter = new SafeStudyFile(s.file);
    await expect(adapter.write(null)).rejects.toThrow(/refusing to write an empty or invalid study/);
    await expect(adapter.write({ name: '', trials: [] } as never)).rejects.toThrow(/no study name/);
    expect(readFileSync(s.file, 'utf8')).toBe(before);
  });
});
