/**
 * The options of a submission (`digit-sweep export` and a space's `export:` section): one declaration,
 * from which the CLI flags (commands/export.ts) and the space schema (search-space/schema.ts) are built.
 * Precedence: flags given on the command line, then the study's space's `export:` section, then these defaults.
 */

/** Which models an export ensembles: `auto` = the refit models if any is complete, else the search trials'. */
export const MODEL_CHOICES = ['auto', 'refit', 'search'] as const;
export type ModelChoice = (typeof MODEL_CHOICES)[number];

export interface ExportChoices {
  /** Average the softmax of the K best models. */
  top: number;
  /** Test-time augmentation. */
  tta: boolean;
  models: ModelChoice;
}

export const EXPORT_OPTIONS = {
  top: {
    default: 1,
    describe: "average the softmax of the K best models: the refit models when the study has any (by their source trial's rank), else the best complete trials with a kept model",
  },
  tta: { default: false, describe: 'test-time augmentation: average over the clean image and fixed shifts/rotations' },
  models: {
    choices: MODEL_CHOICES,
    default: 'auto' as ModelChoice,
    describe: "which models: auto (refit models if any), refit, or search (force the search trials' models)",
  },
} as const;

/** The defaults of every export option. */
export const EXPORT_DEFAULTS: ExportChoices = { top: EXPORT_OPTIONS.top.default, tta: EXPORT_OPTIONS.tta.default, models: EXPORT_OPTIONS.models.default };

/** The options an export uses: the flags given, over the space's section, over the defaults. */
export function resolveExportChoices(section: Partial<ExportChoices> | undefined, flags: Partial<ExportChoices>): ExportChoices {
  const pick = <K extends keyof ExportChoices>(k: K): ExportChoices[K] => flags[k] ?? section?.[k] ?? EXPORT_DEFAULTS[k];
  return { top: pick('top'), tta: pick('tta'), models: pick('models') };
}
