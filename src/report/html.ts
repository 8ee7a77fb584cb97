/**
 * report.html and the dashboard's page: one self-contained page that works offline and needs no script
 * to view (the best FIRST_ROWS trials and every chart). Every chart is a Vega-Lite spec rendered to SVG
 * in Node and inlined; digit images are inline PNG data URIs. The trials are embedded once as JSON
 * (page-data.ts) for the page's one small inline script (client.ts: sorting, filters, all rows, a
 * trial's detail, compare; on the dashboard, the in-place updates). The parts that change as a study
 * runs (renderReportParts) are what the dashboard re-renders and swaps in. Every user string (study
 * name, param names and values, error messages, paths) goes through escapeHtml.
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
import { CLIENT_JS } from './client.js';
import { buildPageData, pageDataJson, rowHtml } from './page-data.js';
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
  /** The study's folder: kept model paths are shown under it. */
  studyDir?: string;
  /**
   * Set while the sweep runs (live report.html): a banner says the file is rewritten as trials run and
   * names the dashboard (the live view). The page never reloads itself; the final report has no banner.
   */
  live?: boolean;
}

/** What only the dashboard's page has: its event stream and the version it shows. */
export interface DashboardPage {
  /** URL of the server-sent events (relative to the page). */
  events: string;
  version: number;
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
header{background:#1f3b57;color:#fff;padding:12px 28px}
header h1{margin:0 0 8px;font-size:22px;word-break:break-all}
header dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:0;font-size:14px}
@media (min-width:1000px){header dl{grid-template-columns:max-content 1fr max-content 1fr}}
header dt{opacity:.75}header dd{margin:0;word-break:break-all}
nav{padding:8px 28px;background:#e8ecf1;font-size:13px}nav a{margin-right:14px;color:#1f3b57}
main{padding:8px 28px 40px}
section{background:#fff;border:1px solid #dde2e8;border-radius:6px;padding:10px 18px;margin:12px 0}
h2{font-size:18px;margin:4px 0 10px}h3{font-size:15px;margin:14px 0 6px}
.charts{display:flex;flex-wrap:wrap;gap:12px}
figure.chart{margin:0;overflow-x:auto;max-width:100%;content-visibility:auto;contain-intrinsic-size:auto 700px auto 400px}
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
header .live code{background:#0f2436;color:#fff;padding:1px 5px;border-radius:3px}
.gallery{display:flex;flex-wrap:wrap;gap:8px}
figure.digit{margin:0;text-align:center;width:76px}
figure.digit img{image-rendering:pixelated;border:1px solid #ccc;display:block;margin:0 auto}
figure.digit figcaption{font-size:11px}.bad{color:#d62728}
.nopix{width:56px;height:56px;background:#eee;font-size:10px;display:flex;align-items:center;justify-content:center;margin:0 auto}
code{background:#f0f0f0;padding:0 3px;word-break:break-all}
.lb-box{max-height:min(300px,34vh);overflow:auto;border:1px solid #e3e3e3}
.lb-box thead th{position:sticky;top:0;background:#fff;cursor:pointer}
.lb-box tbody tr{cursor:pointer}.lb-box tbody tr:hover,.lb-box tbody tr.open{background:#e8f0f8}
#lb-controls{display:flex;flex-wrap:wrap;gap:6px 14px;align-items:center;font-size:13px;margin:0 0 6px}
#lb-controls input[type=number]{width:90px}
.lb-note{font-size:12px;color:#555;margin:4px 0 0}
section h2 small{font-weight:normal;font-size:12px;color:#555}
#detail dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;font-size:13px;margin:6px 0}
#detail dd{margin:0;word-break:break-all}
svg.mini{font:11px "DejaVu Sans",Helvetica,Arial,sans-serif;background:#fff;border:1px solid #eee}
svg.mini .ax{stroke:#888}svg.mini .t{font-size:13px;font-weight:bold}
.legend{font-size:12px;display:flex;flex-wrap:wrap;gap:4px 12px;max-width:420px}
.legend i{display:inline-block;width:10px;height:10px;margin-right:4px}
`;

/** The parts of the page that change as a study runs, by element id (the dashboard swaps them in place). */
export type ReportParts = Record<'summary' | 'nav' | 'lb-data' | 'refit-part' | 'search-charts' | 'best-body', string> & { title: string };

function summaryHtml(study: StudyRecord, rows: LeaderboardRow[], refit: RefitRow[], generatedAt: Date): string {
  const counts = countStates(study.trials);
  const top = rows.find((r) => r.state === 'complete' && r.value !== null) ?? null;
  const backends = [...new Set(study.trials.map((t) => t.backend).filter((b): b is string => !!b))];
  return `<dl>
<dt>data source</dt><dd>${e(study.dataSource)} <small>(${e(study.dataFingerprint)})</small></dd>
<dt>direction</dt><dd>${e(study.direction)}</dd>
<dt>best value</dt><dd>${top ? `${e(formatValue(top.value))} (trial #${top.trial}, best val acc ${e(formatAccuracy(top.bestValAcc))})` : 'no complete trial yet'}</dd>
<dt>trials</dt><dd>${study.trials.length}: ${(['complete', 'pruned', 'running', 'fail'] as const).map((s) => `${counts[s]} ${s}`).join(', ')}${refit.length ? `; ${refit.length} refit trial(s)` : ''}</dd>
<dt>backend</dt><dd>${backends.length ? backends.map(e).join(', ') : '-'}</dd>
<dt>search space</dt><dd>${e(study.spaceFile)}</dd>
<dt>created</dt><dd>${e(study.createdAt)}; report generated ${e(generatedAt.toISOString())}</dd>
</dl>`;
}

/** The leaderboard's table (the first rows, as HTML) and the page data every row is rendered from. */
function leaderboardData(study: StudyRecord, rows: LeaderboardRow[], studyDir: string | undefined): string {
  const data = buildPageData(study, rows, studyDir);
  const head = ['', ...data.columns.map((c) => c.label)].map((h) => `<th>${e(h)}</th>`).join('');
  const first = data.trials.slice(0, data.first).map((t) => rowHtml(data, t)).join('\n');
  const rest = data.trials.length > data.first
    ? `<p class="lb-note">The best ${data.first} of ${data.trials.length} trials; the others: “show all” above, or leaderboard.csv in the study's reports folder.</p>`
    : '';
  return `<div class="scroll lb-box" id="lb-rows-box"><table class="leaderboard" id="lb-table"><thead><tr>${head}</tr></thead>\n<tbody>\n${first}\n</tbody></table></div>${rest}
<script type="application/json" id="trials-data">${pageDataJson(data)}</script>`;
}

async function searchCharts(study: StudyRecord, rows: LeaderboardRow[]): Promise<string> {
  const importance = computeImportance(study.trials, study.space);
  const charts = await Promise.all([
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
  return charts.join('\n');
}

async function bestTrialHtml(best: FrozenTrial | null, evaluation: EvaluationLoad | null): Promise<string> {
  if (!best) return '<p class="note">No complete trial yet: no best-trial details.</p>';
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
  return parts.join('\n');
}

/** Renders every part of the page that depends on the study (the charts to SVG: the slow part). */
export async function renderReportParts(input: ReportInput): Promise<ReportParts> {
  const { rows } = input;
  // The charts, counts and importance are about the search; the refit trials get their own table.
  const refit = buildRefitRows(input.study, rows);
  const study = { ...input.study, trials: input.study.trials.filter(isSearchTrial) };
  const [charts, best] = await Promise.all([searchCharts(study, rows), bestTrialHtml(input.best, input.evaluation)]);
  return {
    title: study.name,
    summary: summaryHtml(study, rows, refit, input.generatedAt ?? new Date()),
    nav: `<a href="#leaderboard">Leaderboard</a>${refit.length ? '<a href="#refit">Refit models</a>' : ''}<a href="#search">Search</a><a href="#best">Best trial</a>`,
    'lb-data': leaderboardData(study, rows, input.studyDir),
    'refit-part': refit.length ? `<section id="refit"><h2>Refit models</h2>\n${refitTable(refit)}\n</section>` : '',
    'search-charts': charts,
    'best-body': best,
  };
}

/** The banner of a live report.html: the file is rewritten as trials run; the dashboard is the live view. */
function liveBanner(name: string): string {
  return (
    `<p class="live" id="live">Live: the sweep is running; this file is rewritten as trials run (reload to see them). ` +
    `For a page that updates itself: <code>digit-sweep dashboard ${e(name)}</code> (with <code>--redis URL</code> for a Redis study). ` +
    `If the sweep was killed, <code>digit-sweep report ${e(name)}</code> writes the final report.</p>`
  );
}

const CONTROLS = `<div id="lb-controls" hidden>
<span>state: ${(['complete', 'pruned', 'running', 'fail'] as const).map((s) => `<label><input type="checkbox" class="f-state" value="${s}" checked> ${s}</label>`).join(' ')}</span>
<span>range: <select id="f-param" aria-label="param to filter"></select> <input type="number" id="f-min" step="any" placeholder="min" aria-label="min"> to <input type="number" id="f-max" step="any" placeholder="max" aria-label="max"></span>
<button type="button" id="lb-all" hidden></button><button type="button" id="lb-compare" disabled>compare</button><span id="lb-count"></span>
</div>`;

/**
 * The whole page around the parts: report.html (`live` adds its banner) or, with `dashboard`, the
 * dashboard's page (its script listens to the server's events). Charts come right after the
 * leaderboard, whose box is never taller than a third of a screen or so, so the first screen shows both.
 */
export function reportPage(parts: ReportParts, opts: { live?: boolean; dashboard?: DashboardPage } = {}): string {
  const d = opts.dashboard;
  const banner = opts.live ? `\n${liveBanner(parts.title)}` : d ? '\n<p class="live" id="live-state">connecting to the dashboard…</p>' : '';
  return `<!doctype html>
<html lang="en"${d ? ` data-version="${d.version}"` : ''}>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>digit-sweep ${d ? 'dashboard' : 'report'}: ${e(parts.title)}</title>
<style>${CSS}</style>
</head>
<body${d ? ` data-events="${e(d.events)}"` : ''}>
<header>
<h1>Study ${e(parts.title)}</h1>
<div id="summary">${parts.summary}</div>${banner}
</header>
<nav id="nav">${parts.nav}</nav>
<main>
<section id="leaderboard"><h2>Leaderboard <small>click a row for its detail; pick rows to compare; click a column to sort</small></h2>
${CONTROLS}
<div id="lb-data">${parts['lb-data']}</div>
</section>
<section id="detail" hidden><h2>Trial detail <button type="button" id="detail-close">close</button></h2><div id="detail-body"></div></section>
<div id="refit-part">${parts['refit-part']}</div>
<section id="search"><h2>Search</h2>
<div class="charts" id="search-charts">${parts['search-charts']}</div>
</section>
<section id="best"><h2>Best trial</h2>
<div id="best-body">${parts['best-body']}</div>
</section>
</main>
<script>${CLIENT_JS}</script>
</body>
</html>
`;
}

/** Builds the whole report page (report.html). */
export async function renderReportHtml(input: ReportInput): Promise<string> {
  return reportPage(await renderReportParts(input), { live: input.live ?? false });
}
