/**
 * Trial checkpoints: what a running trial saves after every epoch so that it can continue from there
 * when its driver or its worker died (a rerun of the same sweep, a re-queued Redis job). TF.js-free: the
 * trainer turns its tensors into named Float32Arrays, this file only stores them.
 *
 * One format (`encodeCheckpoint`/`decodeCheckpoint`), two places:
 *  - a file `runs/<study>/checkpoints/trial-<n>.ckpt` for a local pool (written by the one atomic
 *    writer, atomic-write.ts: temp file, fsync, rename; one file per running trial, removed by the driver when the trial ends, leftovers
 *    of a killed driver removed when the study is resumed);
 *  - the Redis key `digit-sweep:<study>:checkpoint:<n>` for `digit-sweep worker` machines (any worker can
 *    continue the trial; the worker mirrors it into a local temp file for its trainer thread).
 * Layout: "DSCKPT1\n", u32 LE header length, the JSON header { epoch, history, state, arrays: [{ name,
 * shape, length }] }, then the arrays' float32 data in order. The seed CNN's checkpoint (weights, Adam's
 * two moments, best-epoch weights) is about 7 MB.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { writeFileAtomic } from '../core/atomic-write.js';
import type { EpochMetrics } from '../core/types.js';

export interface CheckpointArray {
  name: string;
  shape: number[];
  data: Float32Array;
}

export interface Checkpoint {
  /** Epochs finished: training continues at epoch + 1. */
  epoch: number;
  /** The metrics of epochs 1..epoch, as the trainer reported them. */
  history: EpochMetrics[];
  /** The trainer's other state (LR schedule, RNG position, best epoch, ...), JSON. */
  state: Record<string, unknown>;
  arrays: CheckpointArray[];
}

const MAGIC = Buffer.from('DSCKPT1\n', 'latin1');

export function encodeCheckpoint(cp: Checkpoint): Buffer {
  const header = Buffer.from(
    JSON.stringify({
      epoch: cp.epoch,
      history: cp.history,
      state: cp.state,
      arrays: cp.arrays.map((a) => ({ name: a.name, shape: a.shape, length: a.data.length })),
    }),
    'utf8',
  );
  const pad = (4 - ((MAGIC.length + 4 + header.length) % 4)) % 4;
  const len = Buffer.alloc(4);
  len.writeUInt32LE(header.length + pad);
  const parts: Buffer[] = [MAGIC, len, header, Buffer.alloc(pad, 0x20)];
  for (const a of cp.arrays) parts.push(Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength));
  return Buffer.concat(parts);
}

/** Decodes a checkpoint; `where` (a file or key) names it in the error when the bytes are not one. */
export function decodeCheckpoint(buf: Buffer, where: string): Checkpoint {
  const bad = (why: string) => new Error(`${where}: not a valid checkpoint (${why})`);
  if (buf.length < MAGIC.length + 4 || !buf.subarray(0, MAGIC.length).equals(MAGIC)) throw bad('wrong magic');
  const headerLen = buf.readUInt32LE(MAGIC.length);
  const start = MAGIC.length + 4;
  if (start + headerLen > buf.length) throw bad('truncated header');
  let header: { epoch: number; history: EpochMetrics[]; state: Record<string, unknown>; arrays: Array<{ name: string; shape: number[]; length: number }> };
  try {
    header = JSON.parse(buf.subarray(start, start + headerLen).toString('utf8'));
  } catch (err) {
    throw bad(`header: ${(err as Error).message}`);
  }
  if (!Number.isInteger(header.epoch) || header.epoch < 1 || !Array.isArray(header.history) || header.history.length !== header.epoch) {
    throw bad(`epoch ${header.epoch} with ${header.history?.length} epoch(s) of history`);
  }
  let offset = start + headerLen;
  const arrays: CheckpointArray[] = [];
  for (const a of header.arrays) {
    const bytes = a.length * 4;
    if (offset + bytes > buf.length) throw bad(`truncated data of ${a.name}`);
    // Copy: the result must not alias the (possibly pooled) input buffer, and must be 4-byte aligned.
    const data = new Float32Array(a.length);
    Buffer.from(data.buffer).set(buf.subarray(offset, offset + bytes));
    arrays.push({ name: a.name, shape: a.shape, data });
    offset += bytes;
  }
  if (offset !== buf.length) throw bad(`${buf.length - offset} trailing byte(s)`);
  return { epoch: header.epoch, history: header.history, state: header.state ?? {}, arrays };
}

/** The checkpoint in `file`, or null when there is none. */
export async function readCheckpointFile(file: string): Promise<Checkpoint | null> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  return decodeCheckpoint(buf, file);
}

export async function writeCheckpointFile(file: string, cp: Checkpoint): Promise<void> {
  await writeFileAtomic(file, encodeCheckpoint(cp));
}

/** The driver's side: where trial n's checkpoint lives, and its removal when the trial ends. */
export interface CheckpointStore {
  /** The file a local worker reads and writes for trial n; null when remote workers keep it (Redis). */
  location(n: number): string | null;
  remove(n: number): Promise<void>;
  /** Removes every checkpoint (and half-written temp file) except those of the trials in `keep`. */
  removeAllBut(keep: Iterable<number>): Promise<void>;
}

export const CHECKPOINT_DIR = 'checkpoints';

/** Checkpoints as files in <studyDir>/checkpoints/ (a lowdb study, a local pool). */
export class FileCheckpoints implements CheckpointStore {
  readonly dir: string;
  constructor(studyDir: string) {
    this.dir = join(studyDir, CHECKPOINT_DIR);
  }
  location(n: number): string {
    return join(this.dir, `trial-${n}.ckpt`);
  }
  async remove(n: number): Promise<void> {
    await rm(this.location(n), { force: true });
  }
  async removeAllBut(keep: Iterable<number>): Promise<void> {
    const kept = new Set([...keep].map((n) => `trial-${n}.ckpt`));
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const f of names) if (!kept.has(f)) await rm(join(this.dir, f), { force: true });
  }
}

/** The Redis key of trial n's checkpoint in study `study` (prefix: storage/redis.ts studyPrefix). */
export const checkpointKey = (prefix: string, n: number): string => `${prefix}checkpoint:${n}`;
/** A checkpoint key not touched for this long (an abandoned study) expires. */
export const CHECKPOINT_TTL_S = 7 * 24 * 3600;

/** Checkpoints in Redis (a study whose trials run on `digit-sweep worker` machines). */
export class RedisCheckpoints implements CheckpointStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}
  location(): null {
    return null;
  }
  async remove(n: number): Promise<void> {
    await this.redis.del(checkpointKey(this.prefix, n));
  }
  async removeAllBut(keep: Iterable<number>): Promise<void> {
    const kept = new Set([...keep].map((n) => checkpointKey(this.prefix, n)));
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${checkpointKey(this.prefix, 0).slice(0, -1)}*`, 'COUNT', 100);
      cursor = next;
      const gone = keys.filter((k) => !kept.has(k));
      if (gone.length) await this.redis.del(...gone);
    } while (cursor !== '0');
  }
}
