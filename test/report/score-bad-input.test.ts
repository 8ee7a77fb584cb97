import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import { scoreSubmission } from '../../src/report/score.js';
import { csvDir, labelsCsv } from './helpers/csv.js';

const SOL = labelsCsv([0, 1, 2, 3, 4]);

async function failure(sub: string, sol = SOL): Promise<UserError> {
  const file = await csvDir();
  const subFile = await file('sub.csv', sub);
  const solFile = await file('sol.csv', sol);
  const err = await scoreSubmission(subFile, solFile).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UserError);
  const u = err as UserError;
  expect(u.message).not.toContain('\n');
  expect(u.exitCode).toBe(2);
  // Messages name files by the path given; shorten it for the assertions.
  u.message = u.message.split(join(subFile, '..') + '/').join('');
  return u;
}

describe('score rejects bad input with one line naming file:line', () => {
  it('bad header', async () => {
    expect((await failure('id,label\n1,0\n')).message).toBe('sub.csv:1: bad header: expected "ImageId,Label" (got "id,label")');
    expect((await failure('ImageId,Label,Extra\n1,0,x\n')).message).toMatch(/^sub\.csv:1: bad header/);
    expect((await failure('')).message).toMatch(/^sub\.csv:1: bad header/);
  });

  it('missing ImageId or Label', async () => {
    expect((await failure('ImageId,Label\n1,0\n,1\n')).message).toBe('sub.csv:3: missing ImageId');
    expect((await failure('ImageId,Label\n1,\n')).message).toBe('sub.csv:2: missing Label');
    expect((await failure('ImageId,Label\n1\n')).message).toBe('sub.csv:2: expected 2 fields "ImageId,Label" (got "1")');
    expect((await failure('ImageId,Label\nabc,1\n')).message).toBe('sub.csv:2: ImageId must be a positive integer (got "abc")');
    expect((await failure('ImageId,Label\n0,1\n')).message).toMatch(/^sub\.csv:2: ImageId must be a positive integer/);
  });

  it('an ImageId of the solution is missing from the submission', async () => {
    const sub = 'ImageId,Label\n1,0\n2,1\n3,2\n4,3\n6,4\n';
    expect((await failure(sub)).message).toBe('sub.csv:6: ImageId 6 is not in sol.csv');
    // (same counts, no duplicates: an ImageId missing from the submission means another one is extra)
    expect((await failure('ImageId,Label\n9,0\n2,1\n3,2\n4,3\n5,4\n')).message).toBe('sub.csv:2: ImageId 9 is not in sol.csv');
  });

  it('duplicate ImageId', async () => {
    expect((await failure('ImageId,Label\n1,0\n2,1\n1,2\n')).message).toBe('sub.csv:4: duplicate ImageId 1 (first on line 2)');
    expect((await failure(SOL, 'ImageId,Label\n1,0\n1,0\n')).message).toBe('sol.csv:3: duplicate ImageId 1 (first on line 2)');
  });

  it('label outside 0..9', async () => {
    expect((await failure('ImageId,Label\n1,10\n')).message).toBe('sub.csv:2: label outside 0..9 (got "10")');
    expect((await failure('ImageId,Label\r\n1,0\r\n2,-1\r\n')).message).toBe('sub.csv:3: label outside 0..9 (got "-1")');
    expect((await failure('ImageId,Label\n1,3.5\n')).message).toBe('sub.csv:2: label outside 0..9 (got "3.5")');
  });

  it('row counts differ', async () => {
    expect((await failure('ImageId,Label\n1,0\n2,1\n3,2\n')).message).toBe('sub.csv:5: row counts differ: 3 rows, but sol.csv has 5');
    expect((await failure(labelsCsv([0, 1, 2, 3, 4, 5, 6]))).message).toBe('sub.csv:7: row counts differ: 7 rows, but sol.csv has 5');
    expect((await failure('ImageId,Label\n')).message).toBe('sub.csv:2: no rows after the header');
  });

  it('missing file', async () => {
    const file = await csvDir();
    const sol = await file('sol.csv', SOL);
    const missing = join(sol, '..', 'nope.csv');
    await expect(scoreSubmission(missing, sol)).rejects.toThrow(new UserError(`${missing}: file not found`));
    await expect(scoreSubmission(sol, missing)).rejects.toThrow(new UserError(`${missing}: file not found`));
  });
});
