/** Study names become folder names under runs/ and reports/: they must not escape them. */
import { UserError } from '../core/errors.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/;

export function checkStudyName(name: string): string {
  if (!NAME.test(name) || name.includes('..')) {
    throw new UserError(
      `study name ${JSON.stringify(name)} is not allowed: use letters, digits, '.', '_' and '-' (at most 80, no '..', no path)`,
    );
  }
  return name;
}
