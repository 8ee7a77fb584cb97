/**
 * The one script of report.html and the dashboard page (inline, no library, nothing fetched): renders
 * the leaderboard from the page's JSON (page-data.ts) with sorting by any column, filters by state and
 * by a param range, all rows one click away; a trial's detail (params, timing, error, kept model,
 * curves) and the comparison of picked trials (curves overlaid), drawn as small inline SVGs from the
 * trials' epochs. On the dashboard (body data-events set) it also listens to the server's events and
 * swaps in the sections the server re-rendered (dashboard.ts), keeping sort, filters and the open
 * detail. Without script the page still shows the first rows and every chart.
 *
 * Signals for tests and the bench: `<html data-rendered="1">` once the table is rendered and the page
 * has loaded (`data-rendered-ms`: milliseconds from navigation start to then, after a forced layout);
 * `data-version` the dashboard version shown. A JS string (String.raw: backslashes stay as written);
 * it must hold no backtick, no dollar-brace and no closing script tag.
 */
export const CLIENT_JS = String.raw`
(function () {
  'use strict';
  var root = document.documentElement;
  var D = null, sortCol = 0, sortDir = 1, showAll = false, picked = [], open = null;
  var $ = function (id) { return document.getElementById(id); };
  function esc(s) {
    return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
  }
  function load() {
    var el = $('trials-data');
    D = el ? JSON.parse(el.textContent) : null;
    if (!D) return;
    picked = picked.filter(function (n) { return D.trials.some(function (t) { return t.n === n; }); });
  }
  function numericParams() {
    return D.params.filter(function (p) {
      return D.trials.some(function (t) { return typeof t.params[p] === 'number'; }) &&
        D.trials.every(function (t) { return t.params[p] === undefined || typeof t.params[p] === 'number'; });
    });
  }
  function setupControls() {
    var c = $('lb-controls');
    if (!c || !D) return;
    c.hidden = false;
    var sel = $('f-param'), keep = sel.value;
    sel.innerHTML = '<option value="">(param)</option>' + numericParams().map(function (p) { return '<option>' + esc(p) + '</option>'; }).join('');
    sel.value = keep;
  }
  function matches(t) {
    var states = [].slice.call(document.querySelectorAll('#lb-controls input.f-state')).filter(function (i) { return i.checked; }).map(function (i) { return i.value; });
    if (states.indexOf(t.state) < 0) return false;
    var p = $('f-param').value;
    if (!p) return true;
    var v = t.params[p], lo = parseFloat($('f-min').value), hi = parseFloat($('f-max').value);
    if (typeof v !== 'number') return false;
    return !(v < lo) && !(v > hi);
  }
  function cmp(a, b) {
    var x = a.keys[sortCol], y = b.keys[sortCol];
    if (x === null || y === null) return x === y ? a.rank - b.rank : x === null ? 1 : -1;
    if (x < y) return -sortDir;
    if (x > y) return sortDir;
    return a.rank - b.rank;
  }
  function rowHtml(t) {
    var cells = t.cells.map(function (c, i) {
      var col = D.columns[i];
      if (col.label === 'state') return '<td><span class="state ' + esc(t.state) + '">' + esc(c) + '</span></td>';
      return '<td class="' + (col.num ? 'num' : col.label === 'error' ? 'err' : '') + '">' + esc(c) + '</td>';
    });
    var on = picked.indexOf(t.n) >= 0 ? ' checked' : '';
    return '<tr data-trial="' + t.n + '"' + (t.n === open ? ' class="open"' : '') + '><td><input type="checkbox" class="pick" aria-label="compare trial ' + t.n + '"' + on + '></td>' + cells.join('') + '</tr>';
  }
  function render() {
    if (!D || !$('lb-table')) return;
    var head = '<th></th>' + D.columns.map(function (c, i) {
      var mark = i === sortCol ? (sortDir > 0 ? ' \u25b2' : ' \u25bc') : '';
      return '<th data-col="' + i + '" class="sortable">' + esc(c.label) + mark + '</th>';
    }).join('');
    $('lb-table').tHead.innerHTML = '<tr>' + head + '</tr>';
    var rows = D.trials.filter(matches).sort(cmp);
    var shown = showAll ? rows : rows.slice(0, D.first);
    $('lb-table').tBodies[0].innerHTML = shown.map(rowHtml).join('');
    $('lb-count').textContent = 'showing ' + shown.length + ' of ' + rows.length + ' matching (' + D.trials.length + ' trials)';
    var more = $('lb-all');
    more.hidden = rows.length <= D.first;
    more.textContent = showAll ? 'show the first ' + D.first : 'show all ' + rows.length;
    $('lb-compare').disabled = picked.length < 2;
    $('lb-compare').textContent = 'compare ' + picked.length + ' picked';
  }
  var COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
  function fmt(v, pct) { return pct ? (v * 100).toFixed(2) + '%' : String(Number(v.toPrecision(3))); }
  function plot(title, series, pct) {
    var W = 420, H = 220, L = 56, R = 10, T = 24, B = 30, xs = [], ys = [];
    series.forEach(function (s) { s.points.forEach(function (p) { xs.push(p[0]); ys.push(p[1]); }); });
    if (!ys.length) return '<p class="note">' + esc(title) + ': no epoch recorded.</p>';
    var x0 = Math.min.apply(null, xs), x1 = Math.max.apply(null, xs), y0 = Math.min.apply(null, ys), y1 = Math.max.apply(null, ys);
    if (x1 === x0) { x0 -= 1; x1 += 1; }
    if (y1 === y0) { y0 -= Math.abs(y0) * 0.01 + 1e-6; y1 += Math.abs(y1) * 0.01 + 1e-6; }
    var sx = function (x) { return L + (x - x0) / (x1 - x0) * (W - L - R); };
    var sy = function (y) { return T + (1 - (y - y0) / (y1 - y0)) * (H - T - B); };
    var out = '<svg class="mini" width="' + W + '" height="' + H + '" viewBox="0 0 ' + W + ' ' + H + '" role="img"><title>' + esc(title) + '</title>';
    out += '<text x="' + L + '" y="14" class="t">' + esc(title) + '</text>';
    out += '<line x1="' + L + '" y1="' + (H - B) + '" x2="' + (W - R) + '" y2="' + (H - B) + '" class="ax"/><line x1="' + L + '" y1="' + T + '" x2="' + L + '" y2="' + (H - B) + '" class="ax"/>';
    var step = Math.max(1, Math.ceil((x1 - x0) / 8));
    for (var e = Math.ceil(x0); e <= x1; e += step) {
      out += '<text x="' + sx(e) + '" y="' + (H - B + 14) + '" text-anchor="middle">' + e + '</text>';
    }
    out += '<text x="' + (W - R) + '" y="' + (H - 2) + '" text-anchor="end">epoch</text>';
    [y0, (y0 + y1) / 2, y1].forEach(function (y) { out += '<text x="' + (L - 4) + '" y="' + (sy(y) + 4) + '" text-anchor="end">' + fmt(y, pct) + '</text>'; });
    series.forEach(function (s, i) {
      var c = s.color || COLORS[i % COLORS.length];
      var pts = s.points.map(function (p) { return sx(p[0]).toFixed(1) + ',' + sy(p[1]).toFixed(1); }).join(' ');
      out += '<polyline fill="none" stroke="' + c + '" stroke-width="2" points="' + pts + '"/>';
      s.points.forEach(function (p) { out += '<circle r="2.5" fill="' + c + '" cx="' + sx(p[0]).toFixed(1) + '" cy="' + sy(p[1]).toFixed(1) + '"/>'; });
    });
    out += '</svg><div class="legend">' + series.map(function (s, i) {
      return '<span><i style="background:' + (s.color || COLORS[i % COLORS.length]) + '"></i>' + esc(s.name) + '</span>';
    }).join('') + '</div>';
    return out;
  }
  function pts(t, k) {
    return t.curve.filter(function (r) { return r[k] !== null; }).map(function (r) { return [r[0], r[k]]; });
  }
  function byN(n) { return D.trials.filter(function (t) { return t.n === n; })[0]; }
  function showDetail(html) {
    $('detail').hidden = false;
    $('detail-body').innerHTML = html;
  }
  function detail(n) {
    var t = byN(n);
    if (!t) { open = null; $('detail').hidden = true; return; }
    open = n;
    var dl = [['state', t.cells[2]], ['rank', t.rank], ['value', t.cells[3]], ['best / last val acc', t.cells[4] + ' / ' + t.cells[5]], ['epochs', t.cells[6]],
      ['started', t.start], ['ended', t.end || '-'], ['duration', t.cells[7]], ['backend', t.backend || '-'], ['seed', t.seed],
      ['kept model', t.model || 'none'], ['error', t.error || '-']];
    var params = Object.keys(t.params).map(function (k) { return '<code>' + esc(k) + '=' + esc(t.params[k]) + '</code>'; }).join(' ') || 'none';
    showDetail('<h3>Trial #' + t.n + '</h3><p>Params: ' + params + '</p><dl class="kv">' + dl.map(function (r) { return '<dt>' + esc(r[0]) + '</dt><dd>' + esc(r[1]) + '</dd>'; }).join('') +
      '</dl><div class="charts">' + plot('accuracy per epoch', [{ name: 'train', color: '#1f77b4', points: pts(t, 1) }, { name: 'validation', color: '#ff7f0e', points: pts(t, 2) }], true) +
      plot('loss per epoch', [{ name: 'train', color: '#1f77b4', points: pts(t, 3) }, { name: 'validation', color: '#ff7f0e', points: pts(t, 4) }], false) + '</div>');
  }
  function compare() {
    var ts = picked.map(byN).filter(Boolean);
    open = null;
    var s = function (k) { return ts.map(function (t) { return { name: '#' + t.n + ' (' + t.cells[3] + ')', points: pts(t, k) }; }); };
    var head = '<tr><th>param</th>' + ts.map(function (t) { return '<th>#' + t.n + '</th>'; }).join('') + '</tr>';
    var body = D.params.map(function (p) { return '<tr><td>' + esc(p) + '</td>' + ts.map(function (t) { return '<td>' + esc(t.cells[D.columns.map(function (c) { return c.label; }).indexOf(p, 9)]) + '</td>'; }).join('') + '</tr>'; }).join('');
    showDetail('<h3>Compare ' + ts.map(function (t) { return '#' + t.n; }).join(', ') + '</h3><div class="charts">' +
      plot('validation accuracy per epoch', s(2), true) + plot('validation loss per epoch', s(4), false) + '</div><table class="leaderboard cmp">' + head + body + '</table>');
  }
  function wire() {
    // The leaderboard section stays; its table (inside lb-data) is replaced on every dashboard update.
    var box = $('leaderboard');
    if (!box || !$('lb-controls')) return;
    box.addEventListener('click', function (ev) {
      var th = ev.target.closest('th[data-col]');
      if (th) {
        var c = +th.getAttribute('data-col');
        sortDir = c === sortCol ? -sortDir : 1;
        sortCol = c;
        return render();
      }
      if (ev.target.classList.contains('pick')) return;
      var tr = ev.target.closest('tr[data-trial]');
      if (tr) { detail(+tr.getAttribute('data-trial')); render(); $('detail').scrollIntoView({ block: 'nearest' }); }
    });
    box.addEventListener('change', function (ev) {
      if (!ev.target.classList.contains('pick')) return;
      var n = +ev.target.closest('tr').getAttribute('data-trial');
      picked = picked.filter(function (x) { return x !== n; });
      if (ev.target.checked) picked.push(n);
      render();
    });
    $('lb-controls').addEventListener('input', function () { render(); });
    $('lb-all').addEventListener('click', function () { showAll = !showAll; render(); });
    $('lb-compare').addEventListener('click', function () { compare(); $('detail').scrollIntoView({ block: 'nearest' }); });
    $('detail-close').addEventListener('click', function () { open = null; $('detail').hidden = true; render(); });
  }
  function refresh() {
    load();
    setupControls();
    render();
    if (open !== null) detail(open);
  }
  function live(url) {
    var src = new EventSource(url + '?v=' + encodeURIComponent(root.dataset.version || ''));
    src.onmessage = function (m) {
      var msg = JSON.parse(m.data);
      Object.keys(msg.parts).forEach(function (id) { var el = $(id); if (el) el.innerHTML = msg.parts[id]; });
      if (msg.parts['lb-data']) refresh();
      root.dataset.version = String(msg.version);
    };
    src.onerror = function () { var s = $('live-state'); if (s) s.textContent = 'reconnecting to the dashboard…'; };
    src.onopen = function () { var s = $('live-state'); if (s) s.textContent = 'live: updates as trials run'; };
  }
  wire();
  refresh();
  if (document.body.dataset.events) live(document.body.dataset.events);
  function done() {
    void document.body.offsetHeight;
    root.dataset.renderedMs = String(Math.round(performance.now()));
    root.dataset.rendered = '1';
  }
  if (document.readyState === 'complete') done(); else window.addEventListener('load', done);
})();
`;
