/** Storage: the TrialStore interface, its memory and lowdb implementations, and the study lock. */
export type { TrialStore, NewStudy, NewTrial, TrialUpdate } from './types.js';
export { MemoryTrialStore } from './memory.js';
export { LowdbTrialStore, SafeStudyFile, writeWithBackup, removeWriteLeftovers, STUDY_FILE, BACKUP_SUFFIX } from './lowdb.js';
export { acquireStudyLock, isProcessAlive, LOCK_FILE, type StudyLock } from './lock.js';
export { RedisTrialStore, connectRedis, studyPrefix, STUDIES_KEY } from './redis.js';
export { encodeCheckpoint, decodeCheckpoint, readCheckpointFile, writeCheckpointFile, FileCheckpoints, RedisCheckpoints, checkpointKey, CHECKPOINT_DIR, type Checkpoint, type CheckpointArray, type CheckpointStore } from './checkpoint.js';
export { readStudy, readStudyFile, studyProblem, studyRecordSchema } from './study-file.js';
