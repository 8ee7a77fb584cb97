/** The reports write every file through the one atomic writer (tmp + fsync + rename): src/core/atomic-write.ts. */
export { writeFileAtomic } from '../core/atomic-write.js';
