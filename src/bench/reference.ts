/** The PyTorch reference script of the benches (torch_seed_cnn.py): --reference FILE, else DIGIT_SWEEP_REFERENCE. */
import { existsSync } from 'node:fs';

export const REFERENCE_ENV = 'DIGIT_SWEEP_REFERENCE';

/**
 * The script's path, or null with --no-torch. A missing or absent script is one line on stderr naming
 * the option or variable and the value, and exit code 2, before anything is measured.
 */
export function referenceScript(bench: string, option: string | undefined, noTorch: boolean): string | null {
  if (noTorch) return null;
  const reference = option ?? process.env[REFERENCE_ENV] ?? null;
  const problem =
    reference === null || reference === ''
      ? `no PyTorch reference script: pass --reference FILE or set ${REFERENCE_ENV} (torch_seed_cnn.py), or --no-torch`
      : !existsSync(reference)
        ? `${option !== undefined ? '--reference' : REFERENCE_ENV}: no such file (got ${JSON.stringify(reference)})`
        : null;
  if (problem) {
    process.stderr.write(`${bench}: ${problem}\n`);
    process.exit(2);
  }
  return reference;
}
