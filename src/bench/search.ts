/**
 * Search benchmark: final regret (best value found minus the known optimum) after `--trials` (50)
 * sequential trials with full information (one worker, lag 0), mean and median over `--seeds` (200)
 * seeds, for the random, TPE and multivariate TPE samplers on Branin (2-D), Hartmann6 (6-D) and
 * lr-valley (3-D, two log-scaled params: a smooth valley in log10 lr x log10 l2 x dropout with its
 * minimum 0 at lr 10^-2.5, l2 10^-4, dropout 0.3). Where `python3 -c 'import optuna'` works (Debian's
 * python3-optuna, also tried as /usr/bin/python3), Optuna's TPESampler(seed=s) with its defaults runs
 * the same functions and seeds in the same run (in a child process, beside ours); the bench installs
 * nothing and reports "not installed" otherwise. Also the sampler's time per trial with 50 and with
 * 1,000 finished trials (Hartmann6; random finished trials; the mean of 20 calls after 5 warm-up calls). Prints JSON.
 *
 *   npm run bench:search [-- --seeds 200 --first-seed 0 --trials 50 --no-optuna]
 */
import { spawn, spawnSync } from 'node:child_process';
import { createSampler, type Sampler } from '../samplers/index.js';
import { createRng, mixSeed } from '../core/random.js';
import { sampleAllUniform } from '../samplers/random.js';
import { DEFAULT_SPACE, type Distribution, type SamplerConfig, type SearchSpace } from '../search-space/index.js';
import type { FrozenTrial, Params } from '../core/types.js';

interface Objective {
  name: string;
  params: Record<string, Distribution>;
  f(p: Params): number;
  optimum: number;
}

const u = (low: number, high: number, log = false): Distribution => ({ type: 'float', low, high, log, step: null });
const num = (p: Params, k: string): number => p[k] as number;

const H_A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]];
const H_P = [[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991], [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]];
const H_C = [1.0, 1.2, 3.0, 3.2];

export const OBJECTIVES: Objective[] = [
  {
    name: 'branin',
    params: { x0: u(-5, 10), x1: u(0, 15) },
    f: (p) => {
      const x = num(p, 'x0');
      const y = num(p, 'x1');
      return (y - (5.1 / (4 * Math.PI ** 2)) * x * x + (5 / Math.PI) * x - 6) ** 2 + 10 * (1 - 1 / (8 * Math.PI)) * Math.cos(x) + 10;
    },
    optimum: 0.397887357729739,
  },
  {
    name: 'hartmann6',
    params: Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`x${i}`, u(0, 1)])),
    f: (p) => {
      let s = 0;
      for (let i = 0; i < 4; i++) {
        let e = 0;
        for (let j = 0; j < 6; j++) e += H_A[i]![j]! * (num(p, `x${j}`) - H_P[i]![j]! * 1e-4) ** 2;
        s += H_C[i]! * Math.exp(-e);
      }
      return -s;
    },
    optimum: -3.322368011391339,
  },
  {
    name: 'lr-valley',
    params: { lr: u(1e-5, 1, true), l2: u(1e-7, 1e-1, true), dropout: u(0, 0.8) },
    f: (p) => {
      const a = (Math.log10(num(p, 'lr')) + 2.5) / 2;
      const b = (Math.log10(num(p, 'l2')) + 4) / 3;
      return a * a + b * b + 0.3 * a * b + 4 * (num(p, 'dropout') - 0.3) ** 2;
    },
    optimum: 0,
  },
];

export const SAMPLERS: Record<string, SamplerConfig> = {
  random: { type: 'random' },
  tpe: { type: 'tpe' } as SamplerConfig,
  'tpe-multivariate': { type: 'tpe', multivariate: true } as SamplerConfig,
};

function spaceFor(objective: Objective, seed: number, sampler: SamplerConfig): SearchSpace {
  return { ...DEFAULT_SPACE, params: objective.params, objective: { metric: 'valLoss', direction: 'minimize' }, sampler, seed, lag: 0, enqueue: [] };
}

function trial(number: number, params: Params, value: number): FrozenTrial {
  return {
    number, state: 'complete', params, intermediateValues: [value], epochs: [], value,
    datetimeStart: '', datetimeComplete: '', backend: null, seed: 0,
  };
}

/** Final regret of one sequential study. */
export function runStudy(sampler: Sampler, objective: Objective, space: SearchSpace, trials: number): number {
  const history: FrozenTrial[] = [];
  let best = Infinity;
  for (let n = 0; n < trials; n++) {
    const params = sampler.sample({ space, trialNumber: n, history, running: [], seed: space.seed })!;
    const v = objective.f(params);
    best = Math.min(best, v);
    history.push(trial(n, params, v));
  }
  return best - objective.optimum;
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
const round = (x: number, d = 4): number => Number(x.toFixed(d));
const summary = (regrets: number[]) => ({ mean: round(mean(regrets)), median: round(median(regrets)), seeds: regrets.length });

/** Mean ms of 20 sample() calls with `n` finished trials (random params) in the history. */
function timePerTrial(config: SamplerConfig, objective: Objective, n: number): number {
  const space = spaceFor(objective, 1, config);
  const rng = createRng(mixSeed(7, n));
  const history = Array.from({ length: n }, (_, i) => {
    const p = sampleAllUniform(objective.params, rng);
    return trial(i, p, objective.f(p));
  });
  const sampler = createSampler(config);
  const calls = 20;
  for (let i = 0; i < 5; i++) sampler.sample({ space, trialNumber: n + calls + i, history, running: [], seed: 1 }); // JIT warm-up
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) sampler.sample({ space, trialNumber: n + i, history, running: [], seed: 1 });
  return round((performance.now() - t0) / calls, 3);
}

// ---- Optuna, in a child process --------------------------------------------------------------

const OPTUNA_SCRIPT = String.raw`
import json, math, sys, time
import optuna
optuna.logging.set_verbosity(optuna.logging.WARNING)
args = json.loads(sys.argv[1])
A = ${JSON.stringify(H_A)}
P = ${JSON.stringify(H_P)}
C = ${JSON.stringify(H_C)}
def branin(t):
    x = t.suggest_float('x0', -5, 10); y = t.suggest_float('x1', 0, 15)
    return (y - 5.1/(4*math.pi**2)*x*x + 5/math.pi*x - 6)**2 + 10*(1-1/(8*math.pi))*math.cos(x) + 10
def hartmann6(t):
    x = [t.suggest_float('x%d' % i, 0, 1) for i in range(6)]
    return -sum(C[i]*math.exp(-sum(A[i][j]*(x[j]-P[i][j]*1e-4)**2 for j in range(6))) for i in range(4))
def lrvalley(t):
    lr = t.suggest_float('lr', 1e-5, 1, log=True); l2 = t.suggest_float('l2', 1e-7, 1e-1, log=True); d = t.suggest_float('dropout', 0, 0.8)
    a = (math.log10(lr)+2.5)/2; b = (math.log10(l2)+4)/3
    return a*a + b*b + 0.3*a*b + 4*(d-0.3)**2
F = {'branin': branin, 'hartmann6': hartmann6, 'lr-valley': lrvalley}
out = {'version': optuna.__version__, 'regrets': {}, 'msPerTrial': {}}
for name, best in args['functions']:
    regrets = []
    for seed in args['seeds']:
        s = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed))
        s.optimize(F[name], n_trials=args['trials'])
        regrets.append(s.best_value - best)
    out['regrets'][name] = regrets
dists = {'x%d' % i: optuna.distributions.FloatDistribution(0, 1) for i in range(6)}
for n in args['timing']:
    s = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=1))
    rs = optuna.samplers.RandomSampler(seed=n)
    s.sampler, keep = rs, s.sampler
    s.optimize(hartmann6, n_trials=n)
    s.sampler = keep
    for i in range(5):
        t = s.ask()
        for k, d in dists.items():
            t._suggest(k, d)
    t0 = time.perf_counter()
    for i in range(20):
        t = s.ask()
        for k, d in dists.items():
            t._suggest(k, d)
    out['msPerTrial'][str(n)] = (time.perf_counter() - t0) / 20 * 1000
print(json.dumps(out))
`;

/** The python3 that imports optuna (PATH's, then Debian's), or null. */
function findOptunaPython(): { python: string; version: string } | null {
  for (const python of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(python, ['-c', 'import optuna; print(optuna.__version__)'], { encoding: 'utf8' });
    if (r.status === 0) return { python, version: r.stdout.trim() };
  }
  return null;
}

interface OptunaResult {
  version: string;
  regrets: Record<string, number[]>;
  msPerTrial: Record<string, number>;
}

function runOptuna(python: string, args: object): Promise<OptunaResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, ['-c', OPTUNA_SCRIPT, JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`optuna run failed (exit ${code}): ${err.trim().split('\n').pop()}`));
      else resolve(JSON.parse(out) as OptunaResult);
    });
  });
}

// ---- main ---------------------------------------------------------------------------------------

interface Args {
  seeds: number;
  firstSeed: number;
  trials: number;
  optuna: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { seeds: 200, firstSeed: 0, trials: 50, optuna: true };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    const v = Number(argv[i + 1]);
    if (k === '--no-optuna') a.optuna = false;
    else if (k === '--seeds' && Number.isInteger(v) && v > 0) (a.seeds = v), i++;
    else if (k === '--first-seed' && Number.isInteger(v) && v >= 0) (a.firstSeed = v), i++;
    else if (k === '--trials' && Number.isInteger(v) && v > 0) (a.trials = v), i++;
    else throw new Error(`bad argument ${k} ${argv[i + 1] ?? ''}: use --seeds N --first-seed N --trials N --no-optuna`);
  }
  return a;
}

export async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  const seeds = Array.from({ length: args.seeds }, (_, i) => args.firstSeed + i);
  const timing = [50, 1000];
  const found = args.optuna ? findOptunaPython() : null;
  const optuna = found
    ? runOptuna(found.python, { functions: OBJECTIVES.map((o) => [o.name, o.optimum]), seeds, trials: args.trials, timing })
    : null;
  const started = performance.now();
  const regret: Record<string, Record<string, unknown>> = {};
  for (const objective of OBJECTIVES) {
    regret[objective.name] = {};
    for (const [name, config] of Object.entries(SAMPLERS)) {
      const sampler = createSampler(config);
      const rs = seeds.map((seed) => runStudy(sampler, objective, spaceFor(objective, seed, config), args.trials));
      regret[objective.name]![name] = summary(rs);
    }
  }
  const msPerTrial: Record<string, Record<string, number>> = {};
  const hartmann = OBJECTIVES.find((o) => o.name === 'hartmann6')!;
  for (const [name, config] of Object.entries(SAMPLERS)) {
    msPerTrial[name] = Object.fromEntries(timing.map((n) => [`at${n}`, timePerTrial(config, hartmann, n)]));
  }
  const oursSeconds = round((performance.now() - started) / 1000, 1);
  let optunaLabel = 'optuna-tpe';
  if (optuna) {
    const r = await optuna;
    optunaLabel = `optuna-${r.version}-tpe`;
    for (const objective of OBJECTIVES) regret[objective.name]![optunaLabel] = summary(r.regrets[objective.name]!);
    msPerTrial[optunaLabel] = Object.fromEntries(timing.map((n) => [`at${n}`, round(r.msPerTrial[String(n)]!, 3)]));
  } else {
    const why = args.optuna ? 'not installed (python3 -c "import optuna" fails; Debian: apt-get install python3-optuna)' : 'skipped (--no-optuna)';
    for (const objective of OBJECTIVES) regret[objective.name]![optunaLabel] = why;
    msPerTrial[optunaLabel] = { note: why } as unknown as Record<string, number>;
  }
  console.log(
    JSON.stringify(
      {
        setup: {
          trials: args.trials, seeds: `${seeds[0]}..${seeds[seeds.length - 1]}`, workers: 1, lag: 0,
          regret: 'best value after the trials minus the optimum', timing: 'hartmann6, ms per sample() with 50 / 1000 finished random trials, mean of 20',
          samplers: SAMPLERS, optuna: found ? `${found.python}: TPESampler(seed) defaults` : null, oursSeconds,
        },
        regret,
        msPerTrial,
      },
      null,
      2,
    ),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  });
}
