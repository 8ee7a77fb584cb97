import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import { LOCK_FILE, acquireStudyLock, isProcessAlive } from '../../src/storage/index.js';

const dir = () => mkdtempSync(join(tmpdir(), 'ds-lock-'));

describe('study lock', () => {
  it('a second driver on the same study gets a one-line UserError with the PID', async () => {
    const d = dir();
    const lock = await acquireStudyLock(d);
    expect(JSON.parse(readFileSync(join(d, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    const err = await acquireStudyLock(d).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toContain(`in use by another digit-sweep process (pid ${process.pid}`);
    expect((err as Error).message).not.toContain('\n');
    await lock.release();
    expect(existsSync(join(d, LOCK_FILE))).toBe(false);
    const again = await acquireStudyLock(d);
    again.releaseSync();
    expect(existsSync(join(d, LOCK_FILE))).toBe(false);
  });

  it('a live process on this host holds the lock', async () => {
    const d = dir();
    writeFileSync(join(d, LOCK_FILE), JSON.stringify({ pid: process.ppid, host: hostname(), since: 'x' }));
    expect(isProcessAlive(process.ppid)).toBe(true);
    await expect(acquireStudyLock(d)).rejects.toThrow(`pid ${process.ppid}`);
  });

  it('a stale lock (dead PID) is taken over', async () => {
    const d = dir();
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    expect(isProcessAlive(dead)).toBe(false);
    writeFileSync(join(d, LOCK_FILE), JSON.stringify({ pid: dead, host: hostname(), since: 'yesterday' }));
    const lock = await acquireStudyLock(d);
    expect(JSON.parse(readFileSync(join(d, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    await lock.release();
  });

  it('a half-written lock file is stale; release leaves a lock taken by someone else alone', async () => {
    const d = dir();
    writeFileSync(join(d, LOCK_FILE), '{"pi');
    const lock = await acquireStudyLock(d);
    writeFileSync(join(d, LOCK_FILE), JSON.stringify({ pid: process.ppid, host: hostname(), since: 'x' }));
    await lock.release();
    expect(existsSync(join(d, LOCK_FILE))).toBe(true);
  });
});
