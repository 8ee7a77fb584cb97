/**
 * The live report's render thread: writeReports (no PNGs, with the reload) of the study record it is
 * sent, so a running sweep's driver never blocks its event loop on Vega (epoch messages, prune answers
 * and trial timeouts stay on time). One message at a time (the caller's throttle); the answer carries
 * the error message of a failed write.
 */
import { parentPort } from 'node:worker_threads';
import type { StudyRecord } from '../study/types.js';
import { writeReports } from './index.js';

export interface LiveWriteRequest {
  studyDir: string;
  reportsDir: string;
  study: StudyRecord;
  refreshSeconds: number;
}
export type LiveWriteReply = { ok: true } | { ok: false; message: string };

parentPort!.on('message', (req: LiveWriteRequest) => {
  writeReports(req.studyDir, req.reportsDir, { study: req.study, refreshSeconds: req.refreshSeconds, pngs: false }).then(
    () => parentPort!.postMessage({ ok: true } satisfies LiveWriteReply),
    (err: unknown) => parentPort!.postMessage({ ok: false, message: err instanceof Error ? err.message : String(err) } satisfies LiveWriteReply),
  );
});
