/**
 * One driver per study: `runs/<study>/study.lock` holds the PID of the process that owns the study.
 * A second driver gets a UserError; a lock left by a dead process (process.kill(pid, 0) fails with
 * ESRCH) is stale and is taken over. Locks from another host cannot be checked and count as held.
 */
import { hostname } from 'node:os';
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';

export const LOCK_FILE = 'study.lock';

interface LockInfo {
  pid: number;
  host: string;
  since: string;
}

export interface StudyLock {
  readonly file: string;
  /** Removes the lock file if this process still owns it. */
  release(): Promise<void>;
  /** The same, synchronously (for process 'exit' handlers). */
  releaseSync(): void;
}

/** Whether a process with this PID exists (EPERM: it exists but belongs to another user). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseLock(text: string): LockInfo | null {
  try {
    const d = JSON.parse(text) as Partial<LockInfo>;
    if (typeof d.pid === 'number' && Number.isInteger(d.pid) && d.pid > 0) {
      return { pid: d.pid, host: typeof d.host === 'string' ? d.host : '', since: String(d.since ?? '') };
    }
  } catch {
    // fall through
  }
  return null;
}

function owns(file: string): boolean {
  try {
    return parseLock(readFileSync(file, 'utf8'))?.pid === process.pid;
  } catch {
    return false;
  }
}

/** Takes the lock of the study folder `dir` (created if needed), or throws a UserError. */
export async function acquireStudyLock(dir: string): Promise<StudyLock> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, LOCK_FILE);
  const me: LockInfo = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fh = await open(file, 'wx');
      try {
        await fh.writeFile(`${JSON.stringify(me)}\n`);
        await fh.sync();
      } finally {
        await fh.close();
      }
      return {
        file,
        release: async () => {
          if (owns(file)) await rm(file, { force: true });
        },
        releaseSync: () => {
          if (owns(file)) rmSync(file, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let text = '';
    try {
      text = await readFile(file, 'utf8');
    } catch {
      continue; // removed meanwhile: try again
    }
    const info = parseLock(text);
    // An unreadable lock is a half-written one from a crashed process (we write it in one go): stale.
    const stale = info === null || (info.host === me.host && !isProcessAlive(info.pid));
    if (!stale) {
      const where = info!.host === me.host ? `pid ${info!.pid}` : `pid ${info!.pid} on ${info!.host}`;
      throw new UserError(
        `${file}: the study is in use by another digit-sweep process (${where}, since ${info!.since}); wait for it or stop it (delete the lock file only if that process is gone)`,
      );
    }
    await rm(file, { force: true });
  }
  throw new UserError(`${file}: could not take the study lock (other processes keep taking it)`);
}
