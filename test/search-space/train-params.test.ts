/** The trainer's params are declared once (core/train-params.ts); the schema, the checks and the CLI derive from it. */
import { describe, expect, it } from 'vitest';
import { parseSearchSpace, TRAIN_PARAM_RULES } from '../../src/search-space/index.js';
import { fixedSchema } from '../../src/search-space/schema.js';
import { DEFAULT_TRAIN_PARAMS, TRAIN_PARAM_NAMES, TRAIN_PARAMS, trainParamFlag } from '../../src/core/train-params.js';
import { RandomSampler, TpeSampler } from '../../src/samplers/index.js';
import { trainParamsFor } from '../../src/study/phases.js';
import { frozenTrial } from '../helpers/frozen-trial.js';
import { runCli } from '../helpers/cli.js';

describe('trainer params: one declaration', () => {
  it('the fixed schema has exactly the declared params (epochs and batchSize among them) with their defaults', () => {
    const fixed = fixedSchema.parse({});
    expect(fixed).toEqual(DEFAULT_TRAIN_PARAMS);
    expect(Object.keys(fixed).sort()).toEqual([...TRAIN_PARAM_NAMES].sort());
    expect([fixed.epochs, fixed.batchSize]).toEqual([30, 64]);
    expect(Object.keys(TRAIN_PARAM_RULES).sort()).toEqual([...TRAIN_PARAM_NAMES].sort());
  });

  it('the declared ranges are what a search space is checked against', () => {
    for (const name of TRAIN_PARAM_NAMES) {
      const p = TRAIN_PARAMS[name];
      if (p.kind === 'choice') {
        expect(() => parseSearchSpace(`fixed: {${name}: nope}\n`, 's.yaml')).toThrow(`s.yaml: fixed.${name}: must be one of ${p.choices.join(', ')} (got "nope")`);
        for (const c of p.choices) expect(parseSearchSpace(`fixed: {${name}: ${c}}\n`, 's.yaml').fixed[name]).toBe(c);
        continue;
      }
      const over = p.maxInclusive ? p.max + 1 : p.max;
      expect(() => parseSearchSpace(`params: {lr: {type: float, low: 1.0e-4, high: 1.0e-2}}\nfixed: {${name}: ${over}}\n`, 's.yaml')).toThrow(
        `s.yaml: fixed.${name}: must be ${p.maxInclusive ? '<=' : '<'} ${p.max} for ${name} (got ${over})`,
      );
    }
  });

  it('digit-sweep train has one option per declared param, with its default, and checks its range (exit 2, nothing written)', async () => {
    const help = await runCli(['train', '--help']);
    const flat = help.stdout.replace(/\s+/g, ' ');
    for (const name of TRAIN_PARAM_NAMES) {
      const words = TRAIN_PARAMS[name].describe.split(' ').slice(0, 3).join(' ');
      expect(flat).toContain(`--${trainParamFlag(name)} ${words}`);
    }
    const r = await runCli(['train', '--out', '/nonexistent/never-written', '--shift', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('digit-sweep: argument: --shift: must be < 1 for shift (got 1)');
  });

  it('a space searches the LR schedule as a categorical param (random and TPE), and trials get it as a string', () => {
    const space = parseSearchSpace(
      'params:\n  lrSchedule: {type: categorical, choices: [exponential, onecycle, cosine]}\n  labelSmoothing: {type: float, low: 0, high: 0.2}\nfixed: {lrFloor: 0.01}\n',
      's.yaml',
    );
    const seen = new Set<unknown>();
    for (let n = 0; n < 30; n++) seen.add(new RandomSampler().sample({ space, trialNumber: n, history: [], running: [], seed: 3 }).lrSchedule);
    expect([...seen].sort()).toEqual(['cosine', 'exponential', 'onecycle']);
    // TPE after its startup trials: onecycle scored best, so it is proposed most.
    const schedules = ['exponential', 'onecycle', 'cosine'] as const;
    const history = Array.from({ length: 30 }, (_, i) =>
      frozenTrial(i, { params: { lrSchedule: schedules[i % 3]!, labelSmoothing: 0.1 }, values: [schedules[i % 3] === 'onecycle' ? 0.99 : 0.9 + i * 1e-4] }),
    );
    const tpe = new TpeSampler({ nStartupTrials: 5 });
    const picks = Array.from({ length: 20 }, (_, k) => tpe.sample({ space, trialNumber: 30 + k, history, running: [], seed: 9 }).lrSchedule);
    expect(picks.filter((p) => p === 'onecycle').length).toBeGreaterThan(10);
    const params = trainParamsFor(space, { lrSchedule: 'cosine', labelSmoothing: 0.05 });
    expect(params).toMatchObject({ lrSchedule: 'cosine', labelSmoothing: 0.05, lrFloor: 0.01, lrDecay: 0.95 });
  });
});
