/**
 * The one way digit-sweep writes a file: to a temporary file in the same folder, fsynced, then renamed
 * over the destination, and the folder fsynced. A reader sees the old file or the new one, never half
 * of one, and a crash after the call returns loses nothing. Folders (a saved model, an export) are
 * filled as a temporary folder and swapped into place the same way.
 * Temporary names: `<name>.tmp-<pid>-<n>`; the study store removes leftovers of a killed process
 * (storage/lowdb.ts removeWriteLeftovers).
 */
import { copyFile, link, mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

let counter = 0;
const tempName = (path: string) => join(dirname(path), `${basename(path)}.tmp-${process.pid}-${counter++}`);

export type FileData = string | Uint8Array | Iterable<Uint8Array>;

/** An error of writeFilesAtomic names the destination file it was writing. */
export type AtomicWriteFailure = NodeJS.ErrnoException & { destination?: string };

/** Writes `data` to a new file `path` (which must not be a live file: a temporary one) and fsyncs it. */
export async function writeDurable(path: string, data: FileData): Promise<void> {
  const fh = await open(path, 'w');
  try {
    if (typeof data === 'string' || data instanceof Uint8Array) await fh.writeFile(data);
    else for (const chunk of data) await fh.write(chunk);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** fsyncs a folder, so that a rename in it survives a crash. */
async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // Safe to ignore: some platforms cannot open or fsync a folder; the rename itself is still atomic.
  }
}

export interface AtomicWriteOptions {
  /** Keep the file being replaced under this name (a hard link, or a copy where links fail). */
  backup?: string;
}

/** Writes one file atomically and durably (see the file comment). */
export async function writeFileAtomic(file: string, data: FileData, opts: AtomicWriteOptions = {}): Promise<void> {
  await writeFilesAtomic([{ file, data }], opts);
}

/**
 * Writes several files all-or-nothing as far as the file system allows: every file is written and
 * fsynced to its temporary name first; only when all are written are they renamed into place. On an
 * error no temporary file is left and no destination has changed (unless a rename itself failed).
 */
export async function writeFilesAtomic(files: ReadonlyArray<{ file: string; data: FileData }>, opts: AtomicWriteOptions = {}): Promise<void> {
  const temps: string[] = [];
  let current = '';
  try {
    for (const { file, data } of files) {
      current = file;
      await mkdir(dirname(file), { recursive: true });
      const tmp = tempName(file);
      temps.push(tmp);
      await writeDurable(tmp, data);
    }
    for (let i = 0; i < files.length; i++) {
      const file = (current = files[i]!.file);
      if (opts.backup) await keepBackup(file, opts.backup);
      await rename(temps[i]!, file);
    }
  } catch (err) {
    await Promise.all(temps.map((t) => rm(t, { force: true })));
    if (err instanceof Error) (err as AtomicWriteFailure).destination ??= current;
    throw err;
  }
  for (const dir of new Set(files.map((f) => dirname(f.file)))) await syncDir(dir);
}

async function keepBackup(file: string, backup: string): Promise<void> {
  const tmp = tempName(backup);
  try {
    await link(file, tmp);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // nothing to back up yet
    await copyFile(file, tmp);
  }
  await rename(tmp, backup);
}

/**
 * Creates folder `dir` atomically: `fill` writes into an empty temporary folder next to it (with
 * writeDurable), which then replaces `dir` as a whole (an existing `dir` is moved aside first and
 * removed after). On an error the temporary folder is removed and `dir` is as it was.
 */
export async function writeDirAtomic(dir: string, fill: (tmp: string) => Promise<void>): Promise<void> {
  const parent = dirname(dir);
  const tmp = tempName(dir);
  const old = join(parent, `${basename(dir)}.old-${process.pid}-${counter++}`);
  await mkdir(parent, { recursive: true });
  try {
    await mkdir(tmp);
    await fill(tmp);
    await syncDir(tmp);
    let replacing = true;
    try {
      await rename(dir, old);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      replacing = false; // no earlier folder
    }
    try {
      await rename(tmp, dir);
    } catch (err) {
      if (replacing) await rename(old, dir).catch(() => undefined); // best effort: put the old folder back
      throw err;
    }
    await syncDir(parent);
    if (replacing) await rm(old, { recursive: true, force: true });
  } catch (err) {
    await rm(tmp, { recursive: true, force: true }).catch(() => undefined); // best effort cleanup; the error is rethrown
    throw err;
  }
}
