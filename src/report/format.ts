/** Formatting and escaping shared by the report writers. */
import type { ParamValue, Params } from '../core/types.js';

/** Escapes a string for HTML text and attribute values (quotes included). */
export function escapeHtml(value: unknown): string {
  return String(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A number in a short human form: 3 significant digits, exponent for very small/large magnitudes. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e6) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-2 || a >= 1e5)) return v.toExponential(2);
  return String(Number(v.toPrecision(3)));
}

export function formatParamValue(v: ParamValue): string {
  return typeof v === 'number' ? formatNumber(v) : String(v);
}

/** `lr=1.00e-3 dropout=0.3` in the params' own order. */
export function formatParams(params: Params): string {
  return Object.entries(params)
    .map(([k, v]) => `${k}=${formatParamValue(v)}`)
    .join(' ');
}

/** An accuracy in 0..1 as a percentage with 2 decimals ("99.12%"), or "-" when unknown. */
export function formatAccuracy(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '-' : `${(v * 100).toFixed(2)}%`;
}

/** A duration in seconds as "1h02m", "3m05s" or "42s", or "-" when unknown. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '-';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** An objective value with 4 significant digits (0.9936), enough to tell close trials apart. */
export function formatValue(v: number | null | undefined): string {
  if (v === null || v === undefined) return '-';
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(3);
  return String(Number(v.toPrecision(4)));
}

/** cli-table3 border characters without a separator line between body rows. */
export const COMPACT_TABLE_CHARS = { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' };
