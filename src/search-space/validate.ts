/**
 * Loads and validates search-space files. Every problem is a UserError with a one-line message naming
 * the file, the path in it and the bad value: `search-spaces/x.yaml: params.lr.low: must be > 0 for a
 * log distribution (got 0)`.
 */
import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import type { core } from 'zod';
import { UserError, describeBadValue } from '../core/errors.js';
import { searchSpaceSchema, type Distribution, type SearchSpace } from './schema.js';
import { contains, gridValues } from './distributions.js';
import { checkRange, TRAIN_PARAM_NAMES, TRAIN_PARAMS, type TrainParamSpec } from '../core/train-params.js';

/** The parameters the trainer understands (TrainParams), with their valid ranges or choices: from core/train-params.ts. */
export const TRAIN_PARAM_RULES: Readonly<Record<string, TrainParamSpec>> = TRAIN_PARAMS;
export { TRAIN_PARAM_NAMES };

/** Reads, parses (YAML or JSON by extension) and validates a search-space file. */
export async function loadSearchSpace(file: string): Promise<SearchSpace> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a file' : `cannot be read (${code ?? String(err)})`;
    throw new UserError(`${file}: ${why}`);
  }
  return parseSearchSpace(text, file);
}

/** Parses text as JSON (when `file` ends in .json) or YAML, then validates it. */
export function parseSearchSpace(text: string, file: string): SearchSpace {
  const raw = file.toLowerCase().endsWith('.json') ? parseJson(text, file) : parseYaml(text, file);
  return validateSearchSpace(raw, file);
}

/** `text` parsed as one YAML document, with its first syntax error as `line:col` and message (or null). */
function parseYamlDocument(text: string) {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter });
  const err = doc.errors[0];
  if (!err) return { doc, error: null };
  const pos = lineCounter.linePos(err.pos[0]);
  return { doc, error: { where: `${pos.line}:${pos.col}`, message: err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '') } };
}

function parseYaml(text: string, file: string): unknown {
  const { doc, error } = parseYamlDocument(text);
  if (error) throw new UserError(`${file}:${error.where}: invalid YAML: ${error.message}`);
  return doc.toJS();
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const msg = (err as Error).message.split('\n')[0]!.replace(/ in JSON at position \d+.*$/, '');
    // JSON is YAML 1.2: the YAML parser locates the error (V8's message may not).
    const located = parseYamlDocument(text).error;
    throw new UserError(`${located ? `${file}:${located.where}` : file}: invalid JSON: ${msg}`);
  }
}

/** Validates an already parsed object (e.g. from a study record). */
export function validateSearchSpace(raw: unknown, file: string): SearchSpace {
  if (raw === null || raw === undefined) throw new UserError(`${file}: the file is empty`);
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new UserError(describeBadValue(file, '', 'must be a mapping of sections (params, fixed, budget, ...)', raw));
  }
  const result = searchSpaceSchema.safeParse(raw);
  if (!result.success) throw new UserError(describeIssue(file, raw, result.error.issues[0]!));
  const space = result.data;
  checkSemantics(space, file);
  if (space.data.source === 'kaggle' && space.data.dir === undefined) space.data.dir = 'data/kaggle';
  return space;
}

/** `params.lr.choices[2]` */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out;
}

function valueAt(raw: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let v: unknown = raw;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

const article = (t: string): string => (t === 'int' ? 'an integer' : /^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`);

function describeIssue(file: string, raw: unknown, issue: core.$ZodIssue): string {
  const path = issue.path;
  const value = valueAt(raw, path);
  const at = formatPath(path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const key = issue.keys[0]!;
      const parent = valueAt(raw, path);
      return describeBadValue(file, formatPath([...path, key]), 'unknown key', (parent as Record<string, unknown>)[key]);
    }
    case 'invalid_union': {
      const u = issue as core.$ZodIssueInvalidUnion & { discriminator?: string; options?: unknown[] };
      if (u.options) {
        const what = path[path.length - 1] === 'type' ? 'unknown type' : 'unknown value';
        return describeBadValue(file, at, `${what}; expected one of ${u.options.join(', ')}`, value);
      }
      const key = path[path.length - 1];
      if (key === 'minResource' || key === 'maxResource' || formatPath(path) === 'refit.epochs') return describeBadValue(file, at, 'must be an integer >= 1 or auto', value);
      return describeBadValue(file, at, 'must be a number, a string or a boolean', value);
    }
    case 'invalid_type':
      if (value === undefined) return describeBadValue(file, at, 'is required');
      return describeBadValue(file, at, `must be ${article(issue.expected)}`, value);
    case 'invalid_value':
      return describeBadValue(file, at, `must be one of ${issue.values.map((v) => String(v)).join(', ')}`, value);
    case 'too_small':
      if (issue.origin === 'array') return describeBadValue(file, at, 'must not be empty', value);
      if (issue.origin === 'string') return describeBadValue(file, at, 'must not be empty', value);
      return describeBadValue(file, at, `must be ${issue.inclusive ? '>=' : '>'} ${String(issue.minimum)}`, value);
    case 'too_big':
      return describeBadValue(file, at, `must be ${issue.inclusive ? '<=' : '<'} ${String(issue.maximum)}`, value);
    default:
      return describeBadValue(file, at, issue.message.toLowerCase(), value);
  }
}

function bad(file: string, path: string, problem: string, value?: unknown): never {
  throw new UserError(describeBadValue(file, path, problem, value));
}

function isMultiple(span: number, step: number): boolean {
  const k = span / step;
  return Math.abs(k - Math.round(k)) < 1e-9 * Math.max(1, Math.abs(k));
}

function checkDistribution(file: string, name: string, d: Distribution): void {
  const at = `params.${name}`;
  if (d.type === 'categorical') {
    const seen = new Set<string>();
    d.choices.forEach((c, i) => {
      const key = JSON.stringify(c);
      if (seen.has(key)) bad(file, `${at}.choices[${i}]`, 'duplicate choice', c);
      seen.add(key);
      checkRange(file, `${at}.choices[${i}]`, name, c);
    });
    return;
  }
  const rule = TRAIN_PARAM_RULES[name]!;
  if (rule.kind === 'choice') bad(file, `${at}.type`, `must be categorical for ${name} (one of ${rule.choices.join(', ')})`, d.type);
  if (!(d.low < d.high)) bad(file, `${at}.low`, `must be < high (${d.high})`, d.low);
  if (d.log && d.low <= 0) bad(file, `${at}.low`, 'must be > 0 for a log distribution', d.low);
  if (d.type === 'float' && d.log && d.step !== null) bad(file, `${at}.step`, 'cannot be combined with log: true', d.step);
  if (d.type === 'int' && d.log && d.step !== 1) bad(file, `${at}.step`, 'must be 1 for a log distribution', d.step);
  if (d.step !== null && !isMultiple(d.high - d.low, d.step)) {
    bad(file, `${at}.step`, `must divide high - low (${d.high - d.low})`, d.step);
  }
  checkRange(file, `${at}.low`, name, d.low);
  checkRange(file, `${at}.high`, name, d.high);
  if (rule.integer && d.type !== 'int') bad(file, `${at}.type`, `must be int or categorical for ${name}`, d.type);
}

function checkSemantics(space: SearchSpace, file: string): void {
  for (const [name, d] of Object.entries(space.params)) {
    if (!(name in TRAIN_PARAM_RULES)) {
      bad(file, `params.${name}`, `unknown parameter; the trainer understands ${TRAIN_PARAM_NAMES.join(', ')}`);
    }
    checkDistribution(file, name, d);
  }
  for (const name of TRAIN_PARAM_NAMES) {
    checkRange(file, `fixed.${name}`, name, space.fixed[name as keyof typeof space.fixed]);
  }
  if (space.sampler.type === 'grid') {
    const grid = space.sampler.grid ?? {};
    for (const [name, values] of Object.entries(grid)) {
      const d = space.params[name];
      if (!d) bad(file, `sampler.grid.${name}`, 'is not a searched parameter (add it to params)');
      values.forEach((v, i) => {
        checkRange(file, `sampler.grid.${name}[${i}]`, name, v);
      });
    }
    for (const [name, d] of Object.entries(space.params)) {
      if (d.type === 'float' && d.step === null && !grid[name]) {
        bad(file, `params.${name}`, `the grid sampler needs a step or values in sampler.grid.${name} for a float parameter`);
      }
    }
    let size = 1;
    for (const [name, d] of Object.entries(space.params)) size *= (grid[name] ?? gridValues(d)).length;
    if (size > 1e6) bad(file, 'sampler', 'the grid has more than 1,000,000 points', size);
  }
  checkPruner(space, file);
  checkEnqueue(space, file);
}

/**
 * The fewest and the most epochs a trial can get: fixed.epochs, or the range of a searched `epochs`
 * (int: low..high; categorical: its choices).
 */
export function epochsRange(space: SearchSpace): { min: number; max: number; searched: boolean } {
  const d = space.params['epochs'];
  if (!d) return { min: space.fixed.epochs, max: space.fixed.epochs, searched: false };
  if (d.type === 'categorical') {
    const values = d.choices as number[];
    return { min: Math.min(...values), max: Math.max(...values), searched: true };
  }
  return { min: d.low, max: d.high, searched: true };
}

/**
 * The pruners' resources are epochs. With `epochs` searched, trials have different lengths: a rung
 * (minResource) above the fewest epochs is one some trials never reach, a maxResource above the most
 * is one no trial reaches, and Hyperband's maxResource 'auto' (the longest finished trial so far) would
 * change its brackets as longer trials finish: each is a one-line error.
 */
function checkPruner(space: SearchSpace, file: string): void {
  const p = space.pruner;
  const range = epochsRange(space);
  const epochs = range.min;
  const fewest = range.searched ? `the fewest epochs params.epochs gives (${range.min})` : `fixed.epochs (${epochs})`;
  switch (p.type) {
    case 'threshold':
      if (p.lower === undefined && p.upper === undefined) bad(file, 'pruner', 'the threshold pruner needs lower, upper or both');
      if (p.lower !== undefined && p.upper !== undefined && p.lower > p.upper) bad(file, 'pruner.lower', `must be <= upper (${p.upper})`, p.lower);
      break;
    case 'successive-halving':
    case 'asha':
      if (p.minResource !== 'auto' && p.minResource > epochs) bad(file, 'pruner.minResource', `must be <= ${fewest}`, p.minResource);
      if (p.minResource === 'auto' && p.bootstrapCount > 0) {
        bad(file, 'pruner.bootstrapCount', 'must be 0 with minResource auto (Optuna: mutually incompatible)', p.bootstrapCount);
      }
      break;
    case 'hyperband':
      if (p.minResource > epochs) bad(file, 'pruner.minResource', `must be <= ${fewest}`, p.minResource);
      if (p.maxResource === 'auto' && range.searched) {
        bad(file, 'pruner.maxResource', `must be a number (<= ${range.max}) when epochs is searched: auto takes the longest finished trial, which changes as trials of other lengths finish`, p.maxResource);
      }
      if (p.maxResource !== 'auto') {
        const most = range.searched ? `the most epochs params.epochs gives (${range.max})` : `fixed.epochs (${range.max})`;
        if (p.maxResource > range.max) bad(file, 'pruner.maxResource', `must be <= ${most}`, p.maxResource);
        if (p.maxResource < p.minResource) bad(file, 'pruner.maxResource', `must be >= minResource (${p.minResource})`, p.maxResource);
      } else if (p.bootstrapCount > 0) {
        bad(file, 'pruner.bootstrapCount', 'must be 0 with maxResource auto (Optuna: mutually incompatible)', p.bootstrapCount);
      }
      break;
    default:
      break;
  }
}

/** Each enqueued set names searched params only, with values their distributions can produce. */
function checkEnqueue(space: SearchSpace, file: string): void {
  space.enqueue.forEach((set, i) => {
    for (const [name, v] of Object.entries(set)) {
      const at = `enqueue[${i}].${name}`;
      const d = space.params[name];
      if (!d) bad(file, at, `is not a searched parameter (searched: ${Object.keys(space.params).join(', ') || 'none'})`, v);
      if (!contains(d, v)) bad(file, at, `is not a value of params.${name} (${describeDistribution(d)})`, v);
    }
  });
}

function describeDistribution(d: Distribution): string {
  if (d.type === 'categorical') return `one of ${d.choices.map((c) => JSON.stringify(c)).join(', ')}`;
  const kind = d.type === 'int' ? 'an integer' : 'a number';
  const step = d.step !== null && !(d.type === 'int' && d.step === 1) ? ` on steps of ${d.step}` : '';
  return `${kind} in [${d.low}, ${d.high}]${step}`;
}
