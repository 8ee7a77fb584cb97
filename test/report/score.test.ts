import { describe, expect, it } from 'vitest';
import { renderScore, scoreSubmission } from '../../src/report/score.js';
import { csvDir, labelsCsv } from './helpers/csv.js';

// 20 images, 2 per digit; the submission gets 3 wrong (a 4 read as 9, a 7 as 1, a 9 as 4).
const truth = [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9];
const guess = [0, 0, 1, 1, 2, 2, 3, 3, 9, 4, 5, 5, 6, 6, 1, 7, 8, 8, 9, 4];

describe('score', () => {
  it('computes accuracy, per-class accuracy and the confusion matrix', async () => {
    const file = await csvDir();
    const r = await scoreSubmission(await file('sub.csv', labelsCsv(guess)), await file('sol.csv', labelsCsv(truth)));
    expect(r.rows).toBe(20);
    expect(r.correct).toBe(17);
    expect(r.accuracy).toBeCloseTo(0.85);
    expect(r.perClass[4]).toEqual({ label: 4, support: 2, correct: 1, accuracy: 0.5, predicted: 2 });
    expect(r.perClass[1]).toEqual({ label: 1, support: 2, correct: 2, accuracy: 1, predicted: 3 });
    expect(r.confusion[4]![9]).toBe(1);
    expect(r.confusion[7]![1]).toBe(1);
    expect(r.confusion[9]![4]).toBe(1);
    expect(r.confusion.flat().reduce((a, b) => a + b, 0)).toBe(20);
    const text = renderScore(r);
    expect(text).toContain('accuracy: 85.00% (17/20 correct)');
    expect(text).toMatch(/│\s+4 │\s+2 │\s+1 │\s+50\.00% │\s+2 │/);
    expect(text).toContain('true \\ pred');
  });

  it('tolerates a BOM, CRLF, quoted fields, rows in another order and a Usage column in the solution', async () => {
    const file = await csvDir();
    const sub = '\uFEFF"ImageId","Label"\r\n' + truth.map((l, i) => `"${i + 1}","${l}"`).reverse().join('\r\n') + '\r\n\r\n';
    const sol = 'ImageId,Label,Usage\n' + truth.map((l, i) => `${i + 1},${l},${i % 2 ? 'Public' : 'Private'}`).join('\n');
    const r = await scoreSubmission(await file('sub.csv', sub), await file('sol.csv', sol));
    expect(r.accuracy).toBe(1);
    expect(r.perClass.every((c) => c.accuracy === 1)).toBe(true);
  });

  it('class that never occurs has a null accuracy', async () => {
    const file = await csvDir();
    const r = await scoreSubmission(await file('s.csv', labelsCsv([1, 2, 3])), await file('t.csv', labelsCsv([1, 2, 2])));
    expect(r.perClass[3]).toEqual({ label: 3, support: 0, correct: 0, accuracy: null, predicted: 1 });
    expect(renderScore(r)).toMatch(/│\s+3 │\s+0 │\s+0 │\s+- │\s+1 │/);
  });
});
