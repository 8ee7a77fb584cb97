/**
 * The live report's render thread: writeReports (no PNGs, with the live banner) of the study record it is
 * sent, so a running sweep's driver never blocks its event loop on Vega (epoch messages, prune answers
 * and trial timeouts stay on time). One write at a time (the caller's throttle). It renders, says so
 * and waits for `go` before it writes any file, so the driver can end it while it renders (the sweep is
 * over) without leaving a file half-written; then it answers done or the error.
 */
import { parentPort } from 'node:worker_threads';
import { writeReports } from './index.js';
import type { LiveWriteMessage, LiveWriteReply } from './live.js';

const reply = (m: LiveWriteReply) => parentPort!.postMessage(m);
let go: (() => void) | null = null;

parentPort!.on('message', (m: LiveWriteMessage) => {
  if (m.type === 'go') {
    go?.();
    go = null;
    return;
  }
  writeReports(m.studyDir, m.reportsDir, {
    study: m.study,
    live: true,
    pngs: false,
    onRendered: () =>
      new Promise<void>((resolve) => {
        go = resolve;
        reply({ type: 'rendered' });
      }),
  }).then(
    () => reply({ type: 'done' }),
    (err: unknown) => reply({ type: 'error', message: err instanceof Error ? err.message : String(err) }),
  );
});
