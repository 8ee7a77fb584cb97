/**
 * A TrialStore in `runs/<study>/study.json`, through lowdb. lowdb's `Low` holds the study in memory and
 * reads and writes it through its Adapter; ours, SafeStudyFile, IS the project's study-file reader
 * (study-file.ts) and its one durable atomic writer (core/atomic-write.ts). lowdb's own file adapters
 * (steno: temp file + rename) are not used: they neither fsync nor keep a backup nor validate. So:
 *  - every write is atomic: the JSON goes to a temporary file, is fsynced, then renamed over study.json;
 *  - the previous good copy is kept as study.json.bak (hard link, or a copy where links fail);
 *  - a truncated or invalid study.json is a UserError naming the file and the problem and saying that
 *    study.json.bak can be restored; the store then refuses to write, so the broken file (and the
 *    backup) stay as they are;
 *  - an empty study is never written.
 * Operations are serialized; the data is read once and kept in memory (the study lock, lock.ts, makes
 * this process the only writer).
 */
import { readdir, rm } from 'node:fs/promises';
import { writeFileAtomic } from '../core/atomic-write.js';
import { join } from 'node:path';
import { Low, type Adapter } from 'lowdb';
import { UserError } from '../core/errors.js';
import type { FrozenTrial, StudyRecord } from '../core/types.js';
import { BACKUP_SUFFIX, readStudyFile, STUDY_FILE, studyProblem } from './study-file.js';
import { applyCreateTrial, applyUpdateTrial, newStudyRecord, type NewStudy, type NewTrial, type TrialStore, type TrialUpdate } from './types.js';

export { STUDY_FILE, BACKUP_SUFFIX };

/** Writes `text` to `file` atomically (tmp + fsync + rename), keeping the old file as `file.bak`. */
export async function writeWithBackup(file: string, text: string): Promise<void> {
  await writeFileAtomic(file, text, { backup: `${file}${BACKUP_SUFFIX}` });
}

/**
 * Removes the temporary files of writeWithBackup (study.json.tmp-PID-N, study.json.bak.tmp-PID-N) that a
 * process killed in the middle of a write left in the study folder `dir`. Only the lock holder may call it.
 */
export async function removeWriteLeftovers(dir: string): Promise<void> {
  for (const f of await readdir(dir)) if (/^study\.json(\.bak)?\.tmp-\d+(-\d+)?$/.test(f)) await rm(join(dir, f), { force: true });
}

/** lowdb adapter for study.json with the guarantees above. */
export class SafeStudyFile implements Adapter<StudyRecord | null> {
  constructor(readonly file: string) {}

  /** Low.read(): through the one study-file reader (study-file.ts); null when there is no study yet. */
  read(): Promise<StudyRecord | null> {
    return readStudyFile(this.file);
  }

  /** Low.write(): validated as it will be read back, then through the one atomic writer, keeping a .bak. */
  async write(data: StudyRecord | null): Promise<void> {
    const text = `${JSON.stringify(data, null, 1)}\n`;
    // Checked as it will be read back: JSON writes a NaN value (a NaN epoch, pruned) as null, which the schema allows.
    const problem = studyProblem(JSON.parse(text));
    if (problem) throw new Error(`refusing to write an empty or invalid study to ${this.file} (${problem})`);
    await writeWithBackup(this.file, text);
  }
}

export class LowdbTrialStore implements TrialStore {
  readonly file: string;
  private readonly db: Low<StudyRecord | null>;
  private loaded = false;
  private queue: Promise<unknown> = Promise.resolve();

  /** `dir` is the study folder, e.g. runs/<study>. */
  constructor(readonly dir: string) {
    this.file = join(dir, STUDY_FILE);
    this.db = new Low<StudyRecord | null>(new SafeStudyFile(this.file), null);
  }

  /** Runs `op` after every earlier operation, on loaded data. */
  private run<T>(op: () => Promise<T> | T): Promise<T> {
    const next = this.queue.then(async () => {
      if (!this.loaded) {
        await this.db.read();
        this.loaded = true;
      }
      return op();
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  private need(): StudyRecord {
    if (!this.db.data) throw new Error(`no study in ${this.file}: call createStudy first`);
    return this.db.data;
  }

  createStudy(study: NewStudy): Promise<StudyRecord> {
    return this.run(async () => {
      if (this.db.data) throw new UserError(`${this.file}: a study (${this.db.data.name}) already exists here`);
      this.db.data = newStudyRecord(study);
      await this.db.write();
      return structuredClone(this.db.data);
    });
  }

  getStudy(): Promise<StudyRecord | null> {
    return this.run(() => (this.db.data ? structuredClone(this.db.data) : null));
  }

  createTrial(init: NewTrial): Promise<number> {
    return this.run(async () => {
      const n = applyCreateTrial(this.need(), init);
      await this.db.write();
      return n;
    });
  }

  updateTrial(number: number, update: TrialUpdate): Promise<FrozenTrial> {
    return this.run(async () => {
      const t = applyUpdateTrial(this.need(), number, update);
      await this.db.write();
      return t;
    });
  }

  getTrial(number: number): Promise<FrozenTrial | null> {
    return this.run(() => {
      const t = this.need().trials.find((x) => x.number === number);
      return t ? structuredClone(t) : null;
    });
  }

  listTrials(): Promise<FrozenTrial[]> {
    return this.run(() => structuredClone([...this.need().trials].sort((a, b) => a.number - b.number)));
  }
}
