/** The reports read `runs/<study>/study.json` through the store's one reader (storage/study-file.ts). */
export { readStudy } from '../storage/study-file.js';
