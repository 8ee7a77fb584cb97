/**
 * The sweep's live view: on a terminal, one progress bar of trials (done / running / pruned / failed,
 * each running trial's epoch, best so far, ETA); in logs (no TTY), one line per trial event.
 */
import cliProgress from 'cli-progress';
import type { OptimizeEvent } from '../study/optimize.js';
import type { FrozenTrial } from '../core/types.js';

export interface SweepView {
  onEvent(e: OptimizeEvent): void;
  stop(): void;
}

export function createSweepView(opts: { total: number; epochs: number; already: FrozenTrial[]; metric: string; maximize: boolean }): SweepView {
  const counts = { complete: 0, pruned: 0, fail: 0 };
  const running = new Map<number, number>(); // trial -> epochs done
  let best: { value: number; trial: number } | null = null;
  const better = (v: number) => best === null || (opts.maximize ? v > best.value : v < best.value);
  /** Counts a trial that has ended and keeps the best complete one. */
  const tally = (t: FrozenTrial) => {
    if (t.kind === 'refit') return; // refit trials are not search trials: shown apart, not counted
    if (t.state !== 'running') counts[t.state]++;
    if (t.state === 'complete' && t.value !== null && better(t.value)) best = { value: t.value, trial: t.number };
  };
  for (const t of opts.already) tally(t);
  const done = () => counts.complete + counts.pruned + counts.fail;
  const bestText = () => (best ? `${best.value.toFixed(4)} (#${best.trial})` : '-');
  const planned = new Map<number, number>(); // refit trial -> its epochs
  const runningText = () => [...running].map(([n, e]) => `#${n}:${e}/${planned.get(n) ?? opts.epochs}`).join(' ') || '-';

  if (!process.stderr.isTTY) {
    return {
      onEvent(e) {
        if (e.type !== 'stop' && e.trial.kind === 'refit') {
          refitLine(e);
          return;
        }
        if (e.type === 'trial-start' && e.resumed) {
          console.log(`trial ${e.trial.number} resumed (${e.trial.epochs.length} epoch(s) recorded): ${paramsText(e.trial)}`);
        } else if (e.type === 'trial-start') console.log(`trial ${e.trial.number} started: ${paramsText(e.trial)}`);
        else if (e.type === 'epoch')
          console.log(`trial ${e.trial.number} epoch ${e.metrics.epoch}: ${opts.metric} ${value(e.metrics, opts.metric).toFixed(4)}${e.prune ? ' -> pruned' : ''}`);
        else if (e.type === 'trial-end' && e.trial.state === 'running') {
          console.log(`trial ${e.trial.number} suspended after epoch ${e.trial.epochs.length} (it resumes from its checkpoint on the next run)`);
        } else if (e.type === 'trial-end') {
          const t = e.trial;
          tally(t);
          const v = t.value === null ? '' : ` value ${t.value.toFixed(4)}`;
          const resumed = e.resumedAt && e.resumedAt > 1 ? ` (resumed at epoch ${e.resumedAt})` : '';
          console.log(`trial ${t.number} ${t.state}${v}${t.error ? ` (${t.error})` : ''}${resumed} | done ${done()}/${opts.total} best ${bestText()}`);
        } else if (e.type === 'stop') console.log(`${e.phase} stopped: ${e.reason}`);
      },
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format:
        'trials {bar} {value}/{total} | ok {ok} pruned {pruned} failed {failed} | running {running} | best {best} | ETA {eta_formatted}',
      hideCursor: true,
      etaBuffer: 4,
    },
    cliProgress.Presets.shades_classic,
  );
  const payload = () => ({ ok: counts.complete, pruned: counts.pruned, failed: counts.fail, running: runningText(), best: bestText() });
  bar.start(opts.total, done(), payload());
  return {
    onEvent(e) {
      if (e.type === 'trial-start' && e.trial.refit) planned.set(e.trial.number, e.trial.refit.epochs);
      if (e.type === 'trial-start') running.set(e.trial.number, e.trial.epochs.length);
      else if (e.type === 'epoch') running.set(e.trial.number, e.metrics.epoch);
      else if (e.type === 'trial-end') {
        running.delete(e.trial.number);
        tally(e.trial);
      }
      bar.update(done(), payload());
    },
    stop() {
      bar.stop();
    },
  };
}

/** One log line per event of a refit trial (no validation: its epochs show the training figures). */
function refitLine(e: Exclude<OptimizeEvent, { type: 'stop' }>): void {
  const t = e.trial;
  const of = `refit trial ${t.number} (of #${t.refit?.source}, ${t.refit?.epochs} epochs)`;
  if (e.type === 'trial-start') console.log(`${of} ${e.resumed ? `resumed (${t.epochs.length} epoch(s) recorded)` : 'started'}: ${paramsText(t)}`);
  else if (e.type === 'epoch') console.log(`${of} epoch ${e.metrics.epoch}: train loss ${e.metrics.trainLoss.toFixed(4)} train acc ${e.metrics.trainAcc.toFixed(4)}`);
  else if (t.state === 'running') console.log(`${of} suspended after epoch ${t.epochs.length} (it resumes from its checkpoint on the next run)`);
  else console.log(`${of} ${t.state}${t.error ? ` (${t.error})` : ''}${e.resumedAt && e.resumedAt > 1 ? ` (resumed at epoch ${e.resumedAt})` : ''}`);
}

function value(m: object, metric: string): number {
  return (m as Record<string, number>)[metric] ?? NaN;
}

function paramsText(t: FrozenTrial): string {
  return Object.entries(t.params)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? Number(v.toPrecision(3)) : v}`)
    .join(' ');
}
