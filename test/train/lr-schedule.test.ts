/** The LR schedules (train/lr-schedule.ts) against values computed by hand. */
import { describe, expect, it } from 'vitest';
import { scheduledLr, type LrScheduleParams } from '../../src/train/lr-schedule.js';
import { DEFAULT_TRAIN_PARAMS } from '../../src/core/train-params.js';

const base: LrScheduleParams = { lr: 1e-3, lrSchedule: 'exponential', lrDecay: 0.95, warmupFraction: 0.3, divFactor: 25, lrFloor: 0 };
const curve = (p: LrScheduleParams, epochs: number) => Array.from({ length: epochs }, (_, i) => scheduledLr(i + 1, epochs, p));

describe('scheduledLr', () => {
  it('exponential (the default): lr * lrDecay^(epoch-1), exactly the seed trainer arithmetic', () => {
    expect(DEFAULT_TRAIN_PARAMS.lrSchedule).toBe('exponential');
    expect(scheduledLr(1, 30, base)).toBe(1e-3);
    expect(scheduledLr(3, 30, base)).toBeCloseTo(9.025e-4, 15);
    // bit-identical to the formula the trainer used before schedules existed
    for (let e = 1; e <= 30; e++) expect(scheduledLr(e, 30, base)).toBe(1e-3 * 0.95 ** (e - 1));
    // the number of epochs does not matter
    expect(scheduledLr(5, 5, base)).toBe(scheduledLr(5, 100, base));
  });

  it('cosine: floor + (lr - floor)(1 + cos(pi (e-1)/E))/2, 4 epochs, floor 0.1 lr', () => {
    const lrs = curve({ ...base, lrSchedule: 'cosine', lrFloor: 0.1 }, 4);
    // cos(0, pi/4, pi/2, 3pi/4) = 1, 0.70711, 0, -0.70711
    const expected = [1e-3, 1e-4 + 9e-4 * 0.8535534, 5.5e-4, 1e-4 + 9e-4 * 0.1464466];
    lrs.forEach((lr, i) => expect(lr).toBeCloseTo(expected[i]!, 9));
    // never below the floor, decreasing
    for (let i = 1; i < lrs.length; i++) expect(lrs[i]!).toBeLessThan(lrs[i - 1]!);
  });

  it('onecycle: cosine warm-up from lr/divFactor to lr over warmupFraction, then cosine to the floor', () => {
    const p: LrScheduleParams = { ...base, lr: 1e-2, lrSchedule: 'onecycle', warmupFraction: 0.2, divFactor: 25, lrFloor: 0 };
    const lrs = curve(p, 10); // progress 0, 0.1, ..., 0.9
    expect(lrs[0]).toBeCloseTo(4e-4, 12); // lr / 25
    expect(lrs[1]).toBeCloseTo(4e-4 + 9.6e-3 * 0.5, 12); // halfway through the warm-up
    expect(lrs[2]).toBeCloseTo(1e-2, 12); // the peak at progress 0.2
    expect(lrs[6]).toBeCloseTo(5e-3, 12); // progress 0.6: halfway down
    expect(lrs[9]).toBeCloseTo((1e-2 * (1 + Math.cos(0.875 * Math.PI))) / 2, 12); // 1.90301e-4
    expect(lrs[9]).toBeCloseTo(3.80602e-4, 9); // 1e-2 * (1 - 0.9238795) / 2
    // rises to the peak, then falls
    expect(Math.max(...lrs)).toBe(lrs[2]);
    for (let i = 3; i < 10; i++) expect(lrs[i]!).toBeLessThan(lrs[i - 1]!);
  });

  it('onecycle with a floor and a default warm-up; without warm-up it is cosine', () => {
    const p: LrScheduleParams = { ...base, lrSchedule: 'onecycle', lrFloor: 0.05 };
    // 10 epochs, warmupFraction 0.3: the peak at epoch 4 (progress 0.3); epoch 10: progress 0.9, t = 6/7
    expect(scheduledLr(4, 10, p)).toBeCloseTo(1e-3, 15);
    expect(scheduledLr(10, 10, p)).toBeCloseTo(5e-5 + (9.5e-4 * (1 + Math.cos((Math.PI * 6) / 7))) / 2, 15);
    expect(curve({ ...p, warmupFraction: 0 }, 7)).toEqual(curve({ ...p, lrSchedule: 'cosine' }, 7));
  });

  it('rejects epochs outside 1..epochs', () => {
    expect(() => scheduledLr(0, 5, base)).toThrow(/1\.\.5/);
    expect(() => scheduledLr(6, 5, base)).toThrow(/1\.\.5/);
  });
});
