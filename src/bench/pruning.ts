/**
 * Pruning benchmark: ASHA vs no pruning with the scripted trainer under the real optimize loop on a
 * virtual clock (virtual/virtual-runner.ts), 1 worker, lag 0. Both runs use the random sampler, so each seed gives both the same params
 * sequence and the comparison isolates the pruner. For each seed: epochs trained by each, and whether
 * ASHA's best trial is the no-pruning run's best trial. Prints JSON.
 *
 *   npm run bench:pruning [-- --first-seed 1 --seeds 10 --trials 30 --epochs 20 --min-resource 1 --eta 3 --grid]
 *
 * --grid also reports every (minResource, eta) pair of a small grid, to show how the defaults compare.
 */
import { SUCCESSIVE_HALVING_DEFAULTS, SuccessiveHalvingPruner, NopPruner } from '../pruners/index.js';
import { RandomSampler } from '../samplers/index.js';
import { parseSearchSpace } from '../search-space/index.js';
import type { FrozenTrial } from '../core/types.js';
import { sweepOnVirtualClock } from '../virtual/virtual-runner.js';

interface Args {
  firstSeed: number;
  seeds: number;
  trials: number;
  epochs: number;
  minResource: number;
  eta: number;
  grid: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { firstSeed: 1, seeds: 10, trials: 30, epochs: 20, minResource: SUCCESSIVE_HALVING_DEFAULTS.minResource, eta: SUCCESSIVE_HALVING_DEFAULTS.reductionFactor, grid: false };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    const v = Number(argv[i + 1]);
    if (k === '--grid') a.grid = true;
    else if (k === '--seeds') (a.seeds = v), i++;
    else if (k === '--first-seed') (a.firstSeed = v), i++;
    else if (k === '--trials') (a.trials = v), i++;
    else if (k === '--epochs') (a.epochs = v), i++;
    else if (k === '--min-resource') (a.minResource = v), i++;
    else if (k === '--eta') (a.eta = v), i++;
    else throw new Error(`unknown argument ${k}`);
  }
  return a;
}

const SPACE_YAML = `
params:
  lr: {type: float, low: 1.0e-4, high: 1.0e-2, log: true}
  dropout: {type: float, low: 0.1, high: 0.6}
  l2: {type: float, low: 1.0e-6, high: 1.0e-3, log: true}
  noise: {type: float, low: 0, high: 0.2}
sampler: {type: random}
objective: {metric: valAcc, direction: maximize}
lag: 0
`;

function best(trials: FrozenTrial[]): FrozenTrial {
  return trials.filter((t) => t.value !== null).reduce((b, t) => (t.value! > b.value! ? t : b));
}

export async function benchPruning(args: Args, minResource: number, eta: number) {
  const space = parseSearchSpace(SPACE_YAML, 'bench-pruning.yaml');
  const perSeed = [];
  let nopEpochs = 0;
  let ashaEpochs = 0;
  let found = 0;
  let regret = 0;
  for (let seed = args.firstSeed; seed < args.firstSeed + args.seeds; seed++) {
    const s = { ...space, seed, lag: 0, fixed: { ...space.fixed, epochs: args.epochs }, budget: { ...space.budget, trials: args.trials } };
    const run = async (pruner: NopPruner | SuccessiveHalvingPruner) => {
      const { summary } = await sweepOnVirtualClock({ space: s, workers: 1, sampler: new RandomSampler(), pruner });
      return { trials: summary.trials, epochs: summary.trials.reduce((n, t) => n + t.epochs.length, 0) };
    };
    const nop = await run(new NopPruner());
    const asha = await run(new SuccessiveHalvingPruner({ minResource, reductionFactor: eta }));
    const a = JSON.stringify(nop.trials.map((t) => t.params));
    if (a !== JSON.stringify(asha.trials.map((t) => t.params))) throw new Error(`seed ${seed}: params sequences differ`);
    const bn = best(nop.trials);
    const ba = best(asha.trials);
    nopEpochs += nop.epochs;
    ashaEpochs += asha.epochs;
    if (bn.number === ba.number) found++;
    // Regret: how much worse the final value of ASHA's pick is, per the no-pruning run's full curves.
    regret += bn.value! - nop.trials[ba.number]!.value!;
    perSeed.push({
      seed,
      nopEpochs: nop.epochs,
      ashaEpochs: asha.epochs,
      nopBest: { trial: bn.number, value: Number(bn.value!.toFixed(5)) },
      ashaBest: { trial: ba.number, value: Number(ba.value!.toFixed(5)) },
      pruned: asha.trials.filter((t) => t.state === 'pruned').length,
    });
  }
  return {
    minResource,
    reductionFactor: eta,
    rungs: new SuccessiveHalvingPruner({ minResource, reductionFactor: eta }).rungSteps(args.epochs),
    epochRatio: Number((ashaEpochs / nopEpochs).toFixed(4)),
    bestFoundInSeeds: found,
    meanRegretOfAshaPick: Number((regret / args.seeds).toExponential(3)),
    nopEpochs,
    ashaEpochs,
    perSeed,
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const result = await benchPruning(args, args.minResource, args.eta);
  const out: Record<string, unknown> = {
    setup: { seeds: `${args.firstSeed}..${args.firstSeed + args.seeds - 1}`, trials: args.trials, epochs: args.epochs, sampler: 'random', workers: 1, lag: 0, trainer: 'scripted' },
    target: { epochRatioAtMost: 0.4, bestFoundInSeedsAtLeast: Math.ceil(0.8 * args.seeds) },
    ...result,
    meetsTarget: result.epochRatio <= 0.4 && result.bestFoundInSeeds >= Math.ceil(0.8 * args.seeds),
  };
  if (args.grid) {
    const rows = [];
    for (const minResource of [1, 2, 3, 4]) {
      for (const eta of [2, 3, 4]) {
        const r = await benchPruning(args, minResource, eta);
        rows.push({ minResource, eta, rungs: r.rungs, epochRatio: r.epochRatio, bestFoundInSeeds: r.bestFoundInSeeds });
      }
    }
    out.grid = rows;
  }
  console.log(JSON.stringify(out, null, 2));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
