/**
 * The options an export uses (no TF.js): the flags given, over the study's space's `export:` section,
 * over the defaults; one declaration (core/export-options.ts) behind the CLI flags and the space schema;
 * a study.json whose section is bad is a one-line UserError naming the file and the field.
 */
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import { EXPORT_DEFAULTS, EXPORT_OPTIONS, MODEL_CHOICES, resolveExportChoices } from '../../src/core/export-options.js';
import type { StudyRecord } from '../../src/core/types.js';
import { studyExportSection } from '../../src/export/index.js';
import { parseSearchSpace } from '../../src/search-space/index.js';

const record = (space: unknown): StudyRecord => ({ name: 's', createdAt: '', spaceFile: 'x.yaml', space, direction: 'maximize', dataSource: 'mnist', dataFingerprint: 'f', trials: [] });

describe('export options: flags > the space section > defaults', () => {
  it('resolves each option on its own', () => {
    expect(resolveExportChoices(undefined, {})).toEqual({ top: 1, tta: false, models: 'auto' });
    const section = { top: 2, tta: true, models: 'refit' as const };
    expect(resolveExportChoices(section, {})).toEqual(section);
    expect(resolveExportChoices(section, { tta: false })).toEqual({ top: 2, tta: false, models: 'refit' });
    expect(resolveExportChoices(section, { top: 5, models: 'search' })).toEqual({ top: 5, tta: true, models: 'search' });
  });

  it('the space schema fills in the same defaults the CLI documents', () => {
    expect(parseSearchSpace('export: {}\n', 'x.yaml').export).toEqual(EXPORT_DEFAULTS);
    expect(EXPORT_DEFAULTS).toEqual({ top: EXPORT_OPTIONS.top.default, tta: EXPORT_OPTIONS.tta.default, models: EXPORT_OPTIONS.models.default });
    expect(EXPORT_OPTIONS.models.choices).toBe(MODEL_CHOICES);
  });

  it("reads the study's section; a bad one names study.json and the field", () => {
    expect(studyExportSection(record({}), 'runs/s/study.json')).toBeUndefined();
    expect(studyExportSection(record(null), 'runs/s/study.json')).toBeUndefined();
    expect(studyExportSection(record({ export: { top: 3 } }), 'runs/s/study.json')).toEqual({ top: 3, tta: false, models: 'auto' });
    let err: unknown;
    try {
      studyExportSection(record({ export: { top: 2, models: 'best' } }), 'runs/s/study.json');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/^runs\/s\/study\.json: space\.export\.models: .+ \(got "best"\)$/);
  });
});
