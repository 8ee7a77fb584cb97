/**
 * The live reports of a running sweep, kept apart from the report writer (index.ts) so that a sweep
 * loads no chart library (vega, resvg) until its final write: the live writes render in a worker thread
 * (live-worker.ts), which loads them there.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { StudyRecord } from '../core/types.js';
import { LIVE_REPORT_INTERVAL_MS, ThrottledWriter, type LiveWriteMessage, type LiveWriteReply, type LiveWriteRequest } from './live.js';

export interface LiveReports {
  /** A trial started, ended or reported an epoch: rewrite the reports (throttled). */
  update(): void;
  /** Stops: drops a waiting write, waits for one in progress, ends the render thread (then write the final reports). */
  close(): Promise<void>;
  /** Whether a live write has been started (the reports folder then holds a report.html with the live banner). */
  readonly started: boolean;
}

/** The compiled render thread beside this module (under vitest, src/ maps to the built dist/). */
function liveWorkerFile(): string {
  const here = fileURLToPath(new URL('./live-worker.js', import.meta.url));
  if (existsSync(here)) return here;
  const built = here.replace(/([\\/])src([\\/])report([\\/])live-worker\.js$/, '$1dist$2report$3live-worker.js');
  if (existsSync(built)) return built;
  throw new Error(`live report worker not found at ${here} or ${built}: run npm run build`);
}

/**
 * One render thread, started on the first write; a thread that died is replaced on the next. A write
 * still rendering (no file touched yet) can be cancelled by ending the thread: the sweep is over and
 * its final write comes next, so waiting seconds for a page nobody will see would only delay it.
 */
class LiveRenderThread {
  private worker: Worker | null = null;
  private reply: { resolve: () => void; reject: (err: Error) => void } | null = null;
  /** The write in progress was let write its files: it must finish (see cancelIfRendering). */
  private writing = false;
  private cancelled = false;

  write(req: LiveWriteRequest): Promise<void> {
    if (this.cancelled) return Promise.resolve(); // the sweep has ended: its final write comes next
    if (!this.worker) {
      const w = new Worker(liveWorkerFile());
      w.unref(); // never keeps the process alive: the final write does not need it
      w.on('message', (m: LiveWriteReply) => {
        if (m.type !== 'rendered') return this.settle(m.type === 'done' ? null : new Error(m.message));
        // Rendered, nothing written yet: write, unless the sweep ended meanwhile.
        if (this.cancelled) return this.cancelIfRendering();
        this.writing = true;
        w.postMessage({ type: 'go' } satisfies LiveWriteMessage);
      });
      w.on('error', (err) => this.settle(err));
      w.on('exit', (code) => {
        if (this.worker === w) this.worker = null;
        this.settle(new Error(`live report thread exited (code ${code})`));
      });
      this.worker = w;
    }
    const worker = this.worker;
    this.writing = false;
    return new Promise<void>((resolve, reject) => {
      this.reply = { resolve, reject };
      worker.postMessage({ type: 'write', ...req } satisfies LiveWriteMessage);
    });
  }

  private settle(err: Error | null): void {
    const r = this.reply;
    this.reply = null;
    if (err) r?.reject(err);
    else r?.resolve();
  }

  /**
   * Ends a write that is still rendering: it wrote nothing (the thread writes only after our `go`), and
   * it is not an error (no warning). A write already let go runs to its end.
   */
  cancelIfRendering(): void {
    this.cancelled = true;
    if (!this.reply || this.writing) return;
    this.settle(null);
    void this.close();
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    await w?.terminate();
  }
}

/**
 * The live reports of a running sweep: leaderboard.md/.csv/.json and report.html (not the PNGs: the
 * final write makes them), rewritten at most every LIVE_REPORT_INTERVAL_MS (see ThrottledWriter; the
 * first no sooner than that after the start, so a sweep of a few seconds writes none), with a report.html
 * whose banner says it is live and names the dashboard (it never reloads itself). Rendered in a worker thread (live-worker.ts).
 * `readStudy` gives the study as its store has it now (lowdb or Redis). The caller writes the final
 * reports (plain writeReports, no banner) after `close()`.
 */
export function startLiveReports(opts: {
  studyDir: string;
  reportsDir: string;
  readStudy: () => Promise<StudyRecord>;
  onError: (err: unknown) => void;
  minIntervalMs?: number;
}): LiveReports {
  const thread = new LiveRenderThread();
  const writer = new ThrottledWriter(
    async () => {
      const study = await opts.readStudy();
      await thread.write({ studyDir: opts.studyDir, reportsDir: opts.reportsDir, study });
    },
    { minIntervalMs: opts.minIntervalMs ?? LIVE_REPORT_INTERVAL_MS, onError: opts.onError, firstAfterMs: opts.minIntervalMs ?? LIVE_REPORT_INTERVAL_MS },
  );
  return {
    update: () => writer.request(),
    close: async () => {
      thread.cancelIfRendering();
      await writer.close();
      await thread.close();
    },
    get started() {
      return writer.writes > 0;
    },
  };
}
