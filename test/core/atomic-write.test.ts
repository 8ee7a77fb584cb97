/** The one atomic writer (src/core/atomic-write.ts), and a guard that nothing else in src/ writes files its own way. */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { writeDirAtomic, writeDurable, writeFileAtomic, writeFilesAtomic, type AtomicWriteFailure } from '../../src/core/atomic-write.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'ds-atomic-'));

describe('writeFileAtomic / writeFilesAtomic', () => {
  it('writes strings, bytes and chunks, replaces the file, keeps a backup when asked, leaves no temporary file', async () => {
    const d = tmp();
    const f = join(d, 'sub', 'a.json');
    await writeFileAtomic(f, 'one');
    expect(readFileSync(f, 'utf8')).toBe('one');
    await writeFileAtomic(f, new TextEncoder().encode('two'), { backup: `${f}.bak` });
    expect(readFileSync(f, 'utf8')).toBe('two');
    expect(readFileSync(`${f}.bak`, 'utf8')).toBe('one');
    await writeFileAtomic(f, [Buffer.from('thr'), Buffer.from('ee')]);
    expect(readFileSync(f, 'utf8')).toBe('three');
    expect(readdirSync(join(d, 'sub')).sort()).toEqual(['a.json', 'a.json.bak']);
  });

  it('an error leaves every destination as it was, no temporary file, and names the file', async () => {
    const d = tmp();
    const a = join(d, 'a.csv');
    writeFileSync(a, 'old a');
    const blocked = join(d, 'b.csv');
    mkdirSync(blocked); // a folder where the file should go: its rename fails
    const err = (await writeFilesAtomic([{ file: a, data: 'new a' }, { file: blocked, data: 'new b' }], {}).catch((e: unknown) => e)) as AtomicWriteFailure;
    expect(err.code).toMatch(/EISDIR|ENOTEMPTY|EEXIST|EPERM/);
    expect(err.destination).toBe(blocked);
    expect(readdirSync(d).filter((n) => n.includes('.tmp-'))).toEqual([]);
    // a.csv was renamed before b.csv failed: the all-or-nothing promise is "as far as the file system allows".
    expect(['old a', 'new a']).toContain(readFileSync(a, 'utf8'));
    // A failure while writing (before any rename) changes nothing.
    const err2 = await writeFilesAtomic([{ file: a, data: 'newer a' }, { file: join(a, 'under-a-file'), data: 'x' }]).catch((e: unknown) => e);
    expect((err2 as AtomicWriteFailure).code).toMatch(/ENOTDIR|EEXIST/);
    expect(readFileSync(a, 'utf8')).not.toBe('newer a');
    expect(readdirSync(d).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });
});

describe('writeDirAtomic', () => {
  it('replaces a folder as a whole; a failing fill leaves the old folder and no temporary one', async () => {
    const d = tmp();
    const out = join(d, 'model');
    await writeDirAtomic(out, async (t) => {
      await writeDurable(join(t, 'model.json'), '{}');
      await writeDurable(join(t, 'old-only.bin'), 'x');
    });
    expect(readdirSync(out).sort()).toEqual(['model.json', 'old-only.bin']);
    await expect(
      writeDirAtomic(out, async (t) => {
        await writeDurable(join(t, 'model.json'), '{"half": true}');
        throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
    expect(readFileSync(join(out, 'model.json'), 'utf8')).toBe('{}');
    await writeDirAtomic(out, async (t) => writeDurable(join(t, 'model.json'), '{"v": 2}'));
    expect(readdirSync(out)).toEqual(['model.json']);
    expect(readdirSync(d)).toEqual(['model']);
  });
});

describe('one atomic writer', () => {
  it('no file in src/ writes, renames or copies files with node:fs itself, except the writer and the listed exceptions', () => {
    const src = fileURLToPath(new URL('../../src', import.meta.url));
    // Not results the user keeps: the study lock (created exclusively, O_EXCL), the dataset scratch file
    // a ProcessRunner hands its children in a private temporary folder, and bench scratch spaces.
    const allowed = new Set(['core/atomic-write.ts', 'storage/lock.ts', 'pool/process-runner.ts', 'bench/redis.ts']);
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (p.endsWith('.ts') && !allowed.has(relative(src, p))) {
          const text = readFileSync(p, 'utf8');
          if (/\b(writeFile|writeFileSync|rename|renameSync|copyFile|copyFileSync|appendFile|createWriteStream)\s*\(/.test(text)) offenders.push(relative(src, p));
        }
      }
    };
    walk(src);
    expect(offenders).toEqual([]);
    expect(existsSync(join(src, 'core/atomic-write.ts'))).toBe(true);
  });
});
