/**
 * report.html: one self-contained page that works offline and needs no script to view. Every chart is
 * a Vega-Lite spec rendered to SVG in Node and inlined; digit images are inline PNG data URIs. Every
 * user string (study name, param names and values, error messages, paths) goes through escapeHtml.
 */
import type { TopLevelSpec } from 'vega-lite';
import { isSearchTrial, type FrozenTrial, type StudyRecord, type TrialState } from '../core/types.js';
import { optimizationHistorySpec } from './charts/history.js';
import { validationCurvesSpec } from './charts/curves.js';
import { parallelCoordinatesSpec } from './charts/parallel.js';
import { importanceSpec } from './charts/importance.js';
import { bestAccuracySpec, bestLossSpec } from './charts/best-curves.js';
import { confusionSpec } from './charts/confusion.js';
import { durationSpec } from './charts/duration.js';
import type { EvaluationLoad } from './evaluation.js';
import { escapeHtml, formatAccuracy, formatDuration, formatParamValue, formatValue } from './format.js';
import { computeImportance, IMPORTANCE_METHOD } from './importance.js';
import { buildRefitRows, type LeaderboardRow, type RefitRow } from './leaderboard.js';
import { digitPng } from './png.js';
import { renderSvg } from './vega.js';

export interface ReportInput {
  study: StudyRecord;
  rows: LeaderboardRow[];
  /** The trial the detail section is about (best complete trial), or null. */
  best: FrozenTrial | null;
  /** Its eval.json, loaded (or why not); null when there is no best trial. */
  evaluation: EvaluationLoad | null;
  generatedAt?: Date;
  /**
   * Set while the sweep runs (live report): the page reloads itself every `refreshSeconds` (a plain
   * `<meta http-equiv="refresh">`, no script) and says so. The final report has none.
   */
  refreshSeconds?: number;
}

const e = escapeHtml;

/** Renders one chart into a <figure class="chart">; a chart that fails shows its error instead. */
async function chart(id: string, spec: TopLevelSpec, caption?: string): Promise<string> {
  try {
    const svg = await renderSvg(spec);
    return `<figure class="chart" id="chart-${id}">${svg}${caption ? `<figcaption>${caption}</figcaption>` : ''}</figure>`;
  } catch (err) {
    return `<p class="note error">Chart “${e(id)}” could not be rendered: ${e((err as Error).message)}</p>`;
  }
}

function countStates(trials: FrozenTrial[]): Record<TrialState, number> {
  const c: Record<TrialState, number> = { complete: 0, pruned: 0, running: 0, fail: 0 };
  for (const t of trials) c[t.state] = (c[t.state] ?? 0) + 1;
  return c;
}

function leaderboardTable(rows: LeaderboardRow[]): string {
  const names: string[] = [];
  for (const r of rows) for (const k of Object.keys(r.params)) if (!names.includes(k)) names.push(k);
  const head = ['#', 'trial', 'state', 'value', 'best val acc', 'last val acc', 'epochs', 'duration', 'backend', ...names, 'error'];
  const body = rows
    .map((r) => {
      const cells = [
        `<td class="num">${r.rank}</td>`,
        `<td class="num">${r.trial}</td>`,
        `<td><span class="state ${e(r.state)}">${e(r.state)}</span>${r.enqueued ? ' (enqueued)' : ''}</td>`,
        `<td class="num">${e(formatValue(r.value))}</td>`,
        `<td class="num">${e(formatAccuracy(r.bestValAcc))}</td>`,
        `<td class="num">${e(formatAccuracy(r.lastValAcc))}</td>`,
        `<td class="num">${r.epochs}</td>`,
        `<td class="num">${e(formatDuration(r.durationSeconds))}</td>`,
        `<td>${e(r.backend ?? '-')}</td>`,
        ...names.map((n) => `<td>${n in r.params ? e(formatParamValue(r.params[n]!)) : ''}</td>`),
        `<td class="err">${e(r.error ?? '')}</td>`,
      ];
      return `<tr>${cells.join('')}</tr>`;
    })
    .join('\n');
  return `<div class="scroll"><table class="leaderboard"><thead><tr>${head.map((h) => `<th>${e(h)}</th>`).join('')}</tr></thead>\n<tbody>\n${body}\n</tbody></table></div>`;
}

function refitTable(refit: RefitRow[]): string {
  const head = ['trial', 'refit of', 'source rank', 'source value', 'state', 'epochs', 'last train acc', 'last train loss', 'duration', 'backend', 'error'];
  const body = refit
    .map((r) => {
      const cells = [
        `<td class="num">${r.trial}</td>`,
        `<td class="num">${r.source === null ? '-' : `#${r.source}`}</td>`,
        `<td class="num">${r.sourceRank ?? '-'}</td>`,
        `<td class="num">${e(formatValue(r.sourceValue))}</td>`,
        `<td><span class="state ${e(r.state)}">${e(r.state)}</span></td>`,
        `<td class="num">${r.epochs}/${r.plannedEpochs ?? '?'}</td>`,
        `<td class="num">${e(formatAccuracy(r.trainAcc))}</td>`,
        `<td class="num">${e(formatValue(r.trainLoss))}</td>`,
        `<td class="num">${e(formatDuration(r.durationSeconds))}</td>`,
        `<td>${e(r.backend ?? '-')}</td>`,
        `<td class="err">${e(r.error ?? '')}</td>`,
      ];
      return `<tr>${cells.join('')}</tr>`;
    })
    .join('\n');
  return (
    '<p>Each search configuration below retrained on every labeled image (training and validation splits together), with no validation: ' +
    'the figures are the last epoch\'s training accuracy and loss, not comparable with the validation values above. <code>digit-sweep export</code> ensembles these models first.</p>' +
    `<div class="scroll"><table class="leaderboard refit"><thead><tr>${head.map((h) => `<th>${e(h)}</th>`).join('')}</tr></thead>\n<tbody>\n${body}\n</tbody></table></div>`
  );
}

function gallery(evaluation: EvaluationLoad & { ok: true }): string {
  const { mistakes } = evaluation.evaluation;
  if (mistakes.length === 0) return '<p class="note">eval.json lists no misclassified validation digits.</p>';
  const items = mistakes.map((m) => {
    const ok = Array.isArray(m.pixels) && m.pixels.length === 784;
    const prob = Number.isFinite(m.probability) ? ` (p=${(m.probability * 100).toFixed(0)}%)` : '';
    const alt = `true ${m.label}, predicted ${m.predicted}`;
    const img = ok
      ? `<img src="data:image/png;base64,${digitPng(m.pixels).toString('base64')}" width="56" height="56" alt="${e(alt)}">`
      : `<div class="nopix">no pixels</div>`;
    return `<figure class="digit">${img}<figcaption>true <b>${e(m.label)}</b> → <b class="bad">${e(m.predicted)}</b>${e(prob)}<br><small>#${e(m.index)}</small></figcaption></figure>`;
  });
  return `<div class="gallery">${items.join('')}</div>`;
}

const CSS = `
body{font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;margin:0;color:#222;background:#f6f7f9}
header{background:#1f3b57;color:#fff;padding:18px 28px}
header h1{margin:0 0 8px;font-size:22px;word-break:break-all}
header dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:0;font-size:14px}
header dt{opacity:.75}header dd{margin:0;word-break:break-all}
nav{padding:8px 28px;background:#e8ecf1;font-size:13px}nav a{margin-right:14px;color:#1f3b57}
main{padding:8px 28px 40px}
section{background:#fff;border:1px solid #dde2e8;border-radius:6px;padding:12px 18px;margin:16px 0}
h2{font-size:18px;margin:4px 0 10px}h3{font-size:15px;margin:14px 0 6px}
.charts{display:flex;flex-wrap:wrap;gap:12px}
figure.chart{margin:0;overflow-x:auto;max-width:100%}
figure.chart svg{display:block;height:auto}
figcaption{font-size:12px;color:#555;max-width:640px}
.scroll{overflow-x:auto}
table.leaderboard{border-collapse:collapse;font-size:12px}
table.leaderboard th,table.leaderboard td{border-bottom:1px solid #e3e3e3;padding:3px 8px;text-align:left;white-space:nowrap}
table.leaderboard td.num{text-align:right;font-variant-numeric:tabular-nums}
table.leaderboard td.err{white-space:normal;color:#a11;max-width:320px}
table.leaderboard tbody tr:first-child{background:#eef7ee}
.state{padding:1px 6px;border-radius:8px;font-size:11px;color:#fff}
.state.complete{background:#1f77b4}.state.pruned{background:#ff7f0e}.state.running{background:#7f7f7f}.state.fail{background:#d62728}
.note{background:#fff8e1;border-left:4px solid #f0b400;padding:6px 10px;font-size:14px}
.note.error{background:#fdecea;border-color:#d62728}
header .live{margin:10px 0 0;font-size:13px;background:#2e5b84;padding:4px 8px;border-radius:4px}
.gallery{display:flex;flex-wrap:wrap;gap:8px}
figure.digit{margin:0;text-align:center;width:76px}
figure.digit img{image-rendering:pixelated;border:1px solid #ccc;display:block;margin:0 auto}
figure.digit figcaption{font-size:11px}.bad{color:#d62728}
.nopix{width:56px;height:56px;background:#eee;font-size:10px;display:flex;align-items:center;justify-content:center;margin:0 auto}
code{background:#f0f0f0;padding:0 3px;word-break:break-all}
`;

/** Builds the whole report page. */
export async function renderReportHtml(input: ReportInput): Promise<string> {
  const { rows, best, evaluation } = input;
  // The charts, counts and importance are about the search; the refit trials get their own table.
  const refit = buildRefitRows(input.study, rows);
  const study = { ...input.study, trials: input.study.trials.filter(isSearchTrial) };
  const generatedAt = input.generatedAt ?? new Date();
  const counts = countStates(study.trials);
  const top = rows.find((r) => r.state === 'complete' && r.value !== null) ?? null;
  const backends = [...new Set(study.trials.map((t) => t.backend).filter((b): b is string => !!b))];
  const importance = computeImportance(study.trials, study.space);
  const refresh = input.refreshSeconds !== undefined && input.refreshSeconds > 0 ? Math.max(1, Math.round(input.refreshSeconds)) : null;
  const live = refresh
    ? `<p class="live" id="live">Live: the sweep is running; this page reloads itself every ${refresh} s and stops once the sweep ends. ` +
      `If the sweep was killed, <code>digit-sweep report ${e(study.name)}</code> (with <code>--redis URL</code> for a Redis study) writes the final report.</p>`
    : '';

  const summary = `<dl>
<dt>data source</dt><dd>${e(study.dataSource)} <small>(${e(study.dataFingerprint)})</small></dd>
<dt>direction</dt><dd>${e(study.direction)}</dd>
<dt>best value</dt><dd>${top ? `${e(formatValue(top.value))} (trial #${top.trial}, best val acc ${e(formatAccuracy(top.bestValAcc))})` : 'no complete trial yet'}</dd>
<dt>trials</dt><dd>${study.trials.length}: ${(['complete', 'pruned', 'running', 'fail'] as const).map((s) => `${counts[s]} ${s}`).join(', ')}${refit.length ? `; ${refit.length} refit trial(s)` : ''}</dd>
<dt>backend</dt><dd>${backends.length ? backends.map(e).join(', ') : '-'}</dd>
<dt>search space</dt><dd>${e(study.spaceFile)}</dd>
<dt>created</dt><dd>${e(study.createdAt)}; report generated ${e(generatedAt.toISOString())}</dd>
</dl>`;

  const studyCharts = await Promise.all([
    chart('history', optimizationHistorySpec(study)),
    chart('curves', validationCurvesSpec(study)),
    chart('parallel', parallelCoordinatesSpec(study)),
    chart(
      'importance',
      importanceSpec(importance),
      `Method: ${e(IMPORTANCE_METHOD)} Computed over ${importance.trialsUsed} ${e(importance.states.join('/'))} trial(s).` +
        (importance.note ? ` <b>${e(importance.note)}.</b>` : ''),
    ),
    chart('duration', durationSpec(rows)),
  ]);

  let bestSection: string;
  if (!best) {
    bestSection = '<p class="note">No complete trial yet: no best-trial details.</p>';
  } else {
    const parts: string[] = [];
    parts.push(
      `<p>Trial <b>#${best.number}</b> (${e(best.state)}, value ${e(formatValue(best.value))}, ${best.epochs.length} epochs, backend ${e(best.backend ?? '-')}). Params: ${
        Object.entries(best.params).map(([k, v]) => `<code>${e(k)}=${e(formatParamValue(v))}</code>`).join(' ') || 'none'
      }</p>`,
    );
    const curves = await Promise.all([chart('best-accuracy', bestAccuracySpec(best)), chart('best-loss', bestLossSpec(best))]);
    parts.push(`<div class="charts">${curves.join('')}</div>`);
    if (evaluation && evaluation.ok) {
      const ev = evaluation.evaluation;
      const acc = Number.isFinite(ev.valAcc) ? `validation accuracy of the best-epoch weights: ${e(formatAccuracy(ev.valAcc))}` : '';
      parts.push(`<h3>Confusion matrix</h3>${await chart('confusion', confusionSpec(ev.confusion, `Best trial #${best.number}: confusion matrix`), acc)}`);
      parts.push(`<h3>Misclassified validation digits (${ev.mistakes.length})</h3>${gallery(evaluation)}`);
    } else {
      const why = evaluation && !evaluation.ok ? evaluation.reason : 'no evaluation';
      parts.push(
        `<p class="note" id="no-eval">Trial #${best.number} has no evaluation (${e(why)}): no confusion matrix and no misclassified digits. Expected file: <code>${e(evaluation?.file ?? '')}</code></p>`,
      );
    }
    bestSection = parts.join('\n');
  }

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${refresh ? `<meta http-equiv="refresh" content="${refresh}">\n` : ''}<title>digit-sweep report: ${e(study.name)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>Study ${e(study.name)}</h1>
${summary}${live ? `\n${live}` : ''}
</header>
<nav><a href="#leaderboard">Leaderboard</a>${refit.length ? '<a href="#refit">Refit models</a>' : ''}<a href="#search">Search</a><a href="#best">Best trial</a></nav>
<main>
<section id="leaderboard"><h2>Leaderboard</h2>
${leaderboardTable(rows)}
</section>${refit.length ? `\n<section id="refit"><h2>Refit models</h2>\n${refitTable(refit)}\n</section>` : ''}
<section id="search"><h2>Search</h2>
<div class="charts">${studyCharts.join('\n')}</div>
</section>
<section id="best"><h2>Best trial</h2>
${bestSection}
</section>
</main>
</body>
</html>
`;
}
