/** The reports write every file through the one atomic writer (tmp + fsync + rename): src/atomic-write.ts. */
export { writeFileAtomic } from '../atomic-write.js';
