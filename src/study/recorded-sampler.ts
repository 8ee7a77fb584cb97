/**
 * A study keeps the sampler it was created with. Its record's `space.sampler` is the resolved sampler
 * config (the space is stored as validated, every default filled in), so a resumed sweep samples with
 * that one, whatever the defaults or the space file given at resume say: a study's trials were proposed
 * by one sampler. A study created before multivariate TPE became the default (no `multivariate` in its
 * record, or no sampler at all) resolves to univariate TPE, the default it was created under.
 */
import { isDeepStrictEqual } from 'node:util';
import { UserError } from '../core/errors.js';
import type { StudyRecord } from '../core/types.js';
import { samplerSchema, tpeSamplerSchema, formatPath, type SamplerConfig } from '../search-space/index.js';

/** The sampler config a study was created with. */
export function recordedSampler(record: Pick<StudyRecord, 'name' | 'space'>): SamplerConfig {
  const raw = (record.space as { sampler?: unknown } | null)?.sampler;
  // The old default: TPE, univariate (the only TPE before `multivariate` existed, its default after).
  if (raw === undefined) return tpeSamplerSchema.parse({ type: 'tpe', multivariate: false });
  const withOldDefault = raw !== null && typeof raw === 'object' && (raw as { type?: unknown }).type === 'tpe' ? { multivariate: false, ...raw } : raw;
  const parsed = samplerSchema.safeParse(withOldDefault);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UserError(`study ${record.name}: space.sampler${issue.path.length ? `.${formatPath(issue.path)}` : ''}: ${issue.message.toLowerCase()} in the study record`);
  }
  return parsed.data;
}

/** A one-line description of a sampler config: `tpe (multivariate)`, `random`. */
export function describeSampler(s: SamplerConfig): string {
  return s.type === 'tpe' ? `tpe (${s.multivariate ? 'multivariate' : 'univariate'})` : s.type;
}

/**
 * The sampler a resumed study runs with: the recorded one. When the space given at resume resolves to
 * another, a one-line note says so (other changes of a space at resume are taken as given; the sampler
 * is not, so that one study's trials come from one sampler).
 */
export function resumeSampler(record: Pick<StudyRecord, 'name' | 'space'>, given: SamplerConfig): { sampler: SamplerConfig; note: string | null } {
  const sampler = recordedSampler(record);
  if (isDeepStrictEqual(sampler, given)) return { sampler, note: null };
  return {
    sampler,
    note: `note: study ${record.name} was created with sampler ${JSON.stringify(sampler)}; it resumes with it (the space now says ${JSON.stringify(given)})`,
  };
}
