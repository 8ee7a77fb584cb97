/** Exports and predictions: a study's best model(s) -> a Kaggle submission, and single-image predictions. */
export { exportStudy, type ExportedTrial, type ExportOptions, type ExportResult } from './export.js';
export { decodePng, toMnist, type GreyImage } from './image.js';
export { readPredictInputs, type PredictInputs } from './inputs.js';
export { accuracy, argmaxLabels, loadTestSet, type TestSet } from './submission.js';
export { readStudyRecord, studyData, studyExportSection, type StudyData } from './study.js';
export { chooseTrials, MODEL_CHOICES, rankComplete, type ChosenTrial, type ModelChoice, type TrialChoice } from './trials.js';
