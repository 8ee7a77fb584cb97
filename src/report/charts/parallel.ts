/**
 * Parallel coordinates: one vertical axis per searched param plus the objective, one line per scored
 * trial, colored by its value. Numeric axes are min-max scaled (log10 where the param is log-scaled),
 * categorical axes space their values evenly; each axis is labelled with its extreme values/categories.
 * Param names only appear as data values (never as field names), so any user string is safe.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { StudyRecord } from '../../core/types.js';
import { formatNumber, formatParamValue } from '../format.js';
import { describeParams, normalizeParam } from '../params.js';
import { HEIGHT, WIDTH } from './common.js';

export function parallelCoordinatesSpec(study: Pick<StudyRecord, 'trials' | 'space'>): TopLevelSpec {
  const scored = study.trials.filter(
    (t) => (t.state === 'complete' || t.state === 'pruned') && t.value !== null && Number.isFinite(t.value),
  );
  const infos = describeParams(scored, study.space);
  let objective = 'objective';
  while (infos.some((p) => p.name === objective)) objective += ' ';
  const axes = [...infos.map((p) => p.name), objective];
  const values = scored.map((t) => t.value as number);
  const vmin = Math.min(...values);
  const vmax = Math.max(...values);
  const vnorm = (v: number): number => (vmax === vmin ? 0.5 : (v - vmin) / (vmax - vmin));

  const lines: Array<{ trial: number; axis: string; order: number; pos: number; value: number; state: string }> = [];
  for (const t of scored) {
    infos.forEach((p, i) => {
      const pos = normalizeParam(p, t.params[p.name]);
      if (pos !== null) lines.push({ trial: t.number, axis: p.name, order: i, pos, value: t.value as number, state: t.state });
    });
    lines.push({ trial: t.number, axis: objective, order: infos.length, pos: vnorm(t.value as number), value: t.value as number, state: t.state });
  }
  const labels: Array<{ axis: string; pos: number; label: string }> = [];
  for (const p of infos) {
    if (p.kind === 'categorical') {
      for (const v of p.values) labels.push({ axis: p.name, pos: normalizeParam(p, v) ?? 0.5, label: formatParamValue(v) });
    } else {
      const lo = p.values[0] as number;
      const hi = p.values[p.values.length - 1] as number;
      labels.push({ axis: p.name, pos: normalizeParam(p, lo) ?? 0, label: formatNumber(lo) });
      if (hi !== lo) labels.push({ axis: p.name, pos: 1, label: `${formatNumber(hi)}${p.log ? ' (log)' : ''}` });
    }
  }
  if (scored.length > 0) {
    labels.push({ axis: objective, pos: vnorm(vmin), label: formatNumber(vmin) });
    if (vmax !== vmin) labels.push({ axis: objective, pos: 1, label: formatNumber(vmax) });
  }
  const x = {
    field: 'axis',
    type: 'nominal' as const,
    title: null,
    scale: { domain: axes, paddingOuter: 0.2 },
    axis: { orient: 'top' as const, labelAngle: 0, domain: false, ticks: false, labelFontWeight: 'bold' as const, labelLimit: 140, labelPadding: 14 },
  };
  const y = { field: 'pos', type: 'quantitative' as const, axis: null, scale: { domain: [0, 1] } };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Parallel coordinates: parameters vs objective', subtitle: 'one line per complete or pruned trial, colored by its value' },
    width: Math.max(WIDTH, 130 * axes.length),
    height: HEIGHT,
    layer: [
      {
        data: { values: axes.map((axis) => ({ axis })) },
        mark: { type: 'rule', color: '#999' },
        encoding: { x, y: { datum: 0, type: 'quantitative', axis: null, scale: { domain: [0, 1] } }, y2: { datum: 1 } },
      },
      {
        data: { values: lines },
        mark: { type: 'line', strokeWidth: 1.5, opacity: 0.85 },
        encoding: {
          x,
          y,
          detail: { field: 'trial', type: 'nominal' },
          order: { field: 'order', type: 'quantitative' },
          color: { field: 'value', type: 'quantitative', title: 'value', scale: { scheme: 'viridis' } },
        },
      },
      {
        data: { values: labels },
        mark: { type: 'text', align: 'left', dx: 4, fontSize: 10, color: '#333' },
        encoding: { x, y, text: { field: 'label', type: 'nominal' } },
      },
    ],
  } as TopLevelSpec;
}
