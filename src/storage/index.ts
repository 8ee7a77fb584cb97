/**
 * Storage: the TrialStore interface, its memory and lowdb implementations, the study lock and trial
 * checkpoints. The Redis store (redis.ts, lease.ts, redis-health.ts) is imported by its own path, and
 * only on the `--redis` path: it loads ioredis, which a local sweep never does (test/study/no-redis-loaded).
 */
export type { TrialStore, NewStudy, NewTrial, TrialUpdate } from './types.js';
export { MemoryTrialStore } from './memory.js';
export { LowdbTrialStore, SafeStudyFile, writeWithBackup, removeWriteLeftovers, STUDY_FILE, BACKUP_SUFFIX } from './lowdb.js';
export { acquireStudyLock, isProcessAlive, LOCK_FILE, type StudyLock } from './lock.js';
export { encodeCheckpoint, decodeCheckpoint, readCheckpointFile, writeCheckpointFile, FileCheckpoints, RedisCheckpoints, checkpointKey, CHECKPOINT_DIR, type Checkpoint, type CheckpointArray, type CheckpointStore } from './checkpoint.js';
export { readStudy, readStudyFile, studyProblem, studyRecordSchema } from './study-file.js';
