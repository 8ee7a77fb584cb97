/**
 * All error classes of digit-sweep. A UserError is bad input: the CLI prints its one-line message and
 * exits with code 2. Anything else is a bug or a crash and exits 1 with a stack trace.
 */
export class DigitSweepError extends Error {
  override name = 'DigitSweepError';
}

/** Bad input from the user: a file, a field, a value. `message` is one line. Exit code 2. */
export class UserError extends DigitSweepError {
  override name = 'UserError';
  readonly exitCode = 2;
}

/** A backend that was asked for but could not be initialized. Exit code 2. */
export class BackendError extends UserError {
  override name = 'BackendError';
}

/**
 * Redis trouble that stops a command cleanly: a worker that could not reach Redis for `--redis-timeout`,
 * a driver that lost its study's lease. One line; exit code 75 (EX_TEMPFAIL: rerun when Redis is back,
 * the study resumes).
 */
export class RedisUnavailableError extends DigitSweepError {
  override name = 'RedisUnavailableError';
  readonly exitCode = 75;
}

/** Raised inside a trainer when the driver decided to prune; never reaches the user. */
export class TrialPruned extends DigitSweepError {
  override name = 'TrialPruned';
}

/** Builds the one-line "file: path: problem (got value)" message used by every input validator. */
export function describeBadValue(file: string, path: string, problem: string, value?: unknown): string {
  const where = path ? `${file}: ${path}` : file;
  const shown = typeof value === 'number' && !Number.isFinite(value) ? String(value) : JSON.stringify(value); // NaN, not null
  const got = value === undefined ? '' : ` (got ${shown})`;
  return `${where}: ${problem}${got}`;
}
