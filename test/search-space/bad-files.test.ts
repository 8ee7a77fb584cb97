import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import { loadSearchSpace, parseSearchSpace } from '../../src/search-space/index.js';
import { runCli } from '../helpers/cli.js';

const F = 'search-spaces/x.yaml';

function message(text: string, file = F): string {
  try {
    parseSearchSpace(text, file);
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    const msg = (err as Error).message;
    expect(msg).not.toContain('\n');
    return msg;
  }
  throw new Error('expected a UserError');
}

describe('bad search-space files give one-line UserErrors naming file, path and value', () => {
  it('YAML syntax error gives file:line', () => {
    const msg = message('params:\n  lr: {type: float, low: 1\n  dropout: [\n');
    expect(msg).toMatch(/^search-spaces\/x\.yaml:\d+:\d+: invalid YAML: /);
  });

  it('YAML syntax error on a given line', () => {
    expect(message('seed: 1\nlag: 2\nlag: 3\n')).toBe('search-spaces/x.yaml:3:1: invalid YAML: Map keys must be unique');
  });

  it('JSON syntax error gives file:line', () => {
    const msg = message('{\n  "seed": 1,\n  "lag" 3\n}\n', 'x.json');
    expect(msg).toMatch(/^x\.json:3:9: invalid JSON: /);
  });

  it('unknown param type', () => {
    expect(message('params:\n  lr: {type: loguniform, low: 1, high: 2}\n')).toBe(
      'search-spaces/x.yaml: params.lr.type: unknown type; expected one of float, int, categorical (got "loguniform")',
    );
  });

  it('low >= high', () => {
    expect(message('params:\n  dropout: {type: float, low: 0.5, high: 0.5}\n')).toBe(
      'search-spaces/x.yaml: params.dropout.low: must be < high (0.5) (got 0.5)',
    );
  });

  it('log with low <= 0', () => {
    expect(message('params:\n  lr: {type: float, low: 0, high: 0.1, log: true}\n')).toBe(
      'search-spaces/x.yaml: params.lr.low: must be > 0 for a log distribution (got 0)',
    );
  });

  it('unknown param name', () => {
    expect(message('params:\n  momentum: {type: float, low: 0, high: 1}\n')).toBe(
      'search-spaces/x.yaml: params.momentum: unknown parameter; the trainer understands lr, dropout, l2, noise, lrSchedule, lrDecay, warmupFraction, divFactor, lrFloor, labelSmoothing, rotation, zoom, shift, plateauPatience, plateauFactor, batchSize, epochs',
    );
  });

  it('unknown sampler', () => {
    expect(message('sampler: {type: cmaes}\n')).toBe(
      'search-spaces/x.yaml: sampler.type: unknown type; expected one of tpe, random, grid (got "cmaes")',
    );
  });

  it('unknown pruner', () => {
    expect(message('pruner: {type: bohb}\n')).toBe(
      'search-spaces/x.yaml: pruner.type: unknown type; expected one of none, median, percentile, threshold, successive-halving, asha, hyperband (got "bohb")',
    );
  });

  it('negative budget', () => {
    expect(message('budget: {trials: -3}\n')).toBe('search-spaces/x.yaml: budget.trials: must be > 0 (got -3)');
    expect(message('budget: {trials: 5, maxWallMinutes: -1}\n')).toBe(
      'search-spaces/x.yaml: budget.maxWallMinutes: must be > 0 (got -1)',
    );
  });

  it('empty choices, bad step, unknown key, wrong type', () => {
    expect(message('params:\n  lr: {type: categorical, choices: []}\n')).toBe(
      'search-spaces/x.yaml: params.lr.choices: must not be empty (got [])',
    );
    expect(message('params:\n  dropout: {type: float, low: 0, high: 0.5, step: 0}\n')).toBe(
      'search-spaces/x.yaml: params.dropout.step: must be > 0 (got 0)',
    );
    expect(message('budget: {trials: 5, trails: 6}\n')).toBe('search-spaces/x.yaml: budget.trails: unknown key (got 6)');
    expect(message('seed: "abc"\n')).toBe('search-spaces/x.yaml: seed: must be a number (got "abc")');
    expect(message('params:\n  lr: {type: float, high: 1}\n')).toBe('search-spaces/x.yaml: params.lr.low: is required');
  });

  it('out-of-range trainer values', () => {
    expect(message('params:\n  dropout: {type: float, low: 0.1, high: 1.5}\n')).toBe(
      'search-spaces/x.yaml: params.dropout.high: must be < 1 for dropout (got 1.5)',
    );
    expect(message('fixed: {lrDecay: 0}\n')).toBe('search-spaces/x.yaml: fixed.lrDecay: must be > 0 for lrDecay (got 0)');
  });

  it('recipe params: bad schedule name, out-of-range values, wrong distribution type', () => {
    expect(message('fixed: {lrSchedule: linear}\n')).toBe(
      'search-spaces/x.yaml: fixed.lrSchedule: must be one of exponential, onecycle, cosine (got "linear")',
    );
    expect(message('params:\n  lrSchedule: {type: categorical, choices: [onecycle, step]}\n')).toBe(
      'search-spaces/x.yaml: params.lrSchedule.choices[1]: must be one of exponential, onecycle, cosine for lrSchedule (got "step")',
    );
    expect(message('params:\n  lrSchedule: {type: float, low: 0, high: 1}\n')).toBe(
      'search-spaces/x.yaml: params.lrSchedule.type: must be categorical for lrSchedule (one of exponential, onecycle, cosine) (got "float")',
    );
    expect(message('sampler: {type: grid, grid: {lrSchedule: [cosine, 3]}}\nparams:\n  lrSchedule: {type: categorical, choices: [cosine, onecycle]}\n')).toBe(
      'search-spaces/x.yaml: sampler.grid.lrSchedule[1]: must be one of exponential, onecycle, cosine for lrSchedule (got 3)',
    );
    expect(message('fixed: {labelSmoothing: 1}\n')).toBe('search-spaces/x.yaml: fixed.labelSmoothing: must be < 1 for labelSmoothing (got 1)');
    expect(message('params:\n  labelSmoothing: {type: float, low: -0.1, high: 0.2}\n')).toBe(
      'search-spaces/x.yaml: params.labelSmoothing.low: must be >= 0 for labelSmoothing (got -0.1)',
    );
    expect(message('fixed: {warmupFraction: 1}\n')).toBe('search-spaces/x.yaml: fixed.warmupFraction: must be < 1 for warmupFraction (got 1)');
    expect(message('fixed: {divFactor: 0.5}\n')).toBe('search-spaces/x.yaml: fixed.divFactor: must be >= 1 for divFactor (got 0.5)');
    expect(message('params:\n  lrFloor: {type: categorical, choices: [0, "low"]}\n')).toBe(
      'search-spaces/x.yaml: params.lrFloor.choices[1]: must be a number for lrFloor (got "low")',
    );
  });

  it('grid sampler needs a step for a float param', () => {
    expect(message('sampler: {type: grid}\nparams:\n  dropout: {type: float, low: 0.1, high: 0.5}\n')).toBe(
      'search-spaces/x.yaml: params.dropout: the grid sampler needs a step or values in sampler.grid.dropout for a float parameter',
    );
  });

  it('a bad export: section (top 0, an unknown kind of models, an unknown field, a wrong type)', () => {
    expect(message('export: {top: 0}\n')).toBe('search-spaces/x.yaml: export.top: must be > 0 (got 0)');
    expect(message('export: {top: 1.5}\n')).toBe('search-spaces/x.yaml: export.top: must be an integer (got 1.5)');
    expect(message('export: {models: best}\n')).toBe('search-spaces/x.yaml: export.models: must be one of auto, refit, search (got "best")');
    expect(message('export: {top: 2, ensemble: true}\n')).toBe('search-spaces/x.yaml: export.ensemble: unknown key (got true)');
    expect(message('export: {tta: "yes"}\n')).toBe('search-spaces/x.yaml: export.tta: must be a boolean (got "yes")');
    expect(message('export: 3\n')).toBe('search-spaces/x.yaml: export: must be an object (got 3)');
  });

  it('a sweep of a space with a bad export: section exits 2 before any training and creates nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ds-space-'));
    const file = join(dir, 'bad-export.yaml');
    writeFileSync(file, 'fixed: {epochs: 1}\nbudget: {trials: 1}\nexport: {top: 0, tta: true}\n');
    const r = await runCli(['sweep', file, '--trainer', 'scripted', '--runs', join(dir, 'runs'), '--reports', join(dir, 'reports')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`digit-sweep: ${file}: export.top: must be > 0 (got 0)`);
    expect(r.stdout).not.toContain('trial');
    expect(existsSync(join(dir, 'runs'))).toBe(false);
  });

  it('a file that is not a mapping, an empty file', () => {
    expect(message('- 1\n- 2\n')).toBe(
      'search-spaces/x.yaml: must be a mapping of sections (params, fixed, budget, ...) (got [1,2])',
    );
    expect(message('')).toBe('search-spaces/x.yaml: the file is empty');
  });

  it('missing file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ds-space-'));
    const file = join(dir, 'nope.yaml');
    await expect(loadSearchSpace(file)).rejects.toThrow(new UserError(`${file}: no such file`));
    writeFileSync(join(dir, 'bad.yaml'), 'params: [\n');
    await expect(loadSearchSpace(join(dir, 'bad.yaml'))).rejects.toThrow(/bad\.yaml:2:1: invalid YAML/);
  });
});
