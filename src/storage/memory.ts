/** A TrialStore in memory: for tests and simulated sweeps. */
import type { FrozenTrial, StudyRecord } from '../core/types.js';
import { applyCreateTrial, applyUpdateTrial, newStudyRecord, type NewStudy, type NewTrial, type TrialStore, type TrialUpdate } from './types.js';

export class MemoryTrialStore implements TrialStore {
  private study: StudyRecord | null = null;

  async createStudy(study: NewStudy): Promise<StudyRecord> {
    if (this.study) throw new Error(`a study (${this.study.name}) already exists in this store`);
    this.study = newStudyRecord(study);
    return structuredClone(this.study);
  }

  async getStudy(): Promise<StudyRecord | null> {
    return this.study ? structuredClone(this.study) : null;
  }

  async createTrial(init: NewTrial): Promise<number> {
    return applyCreateTrial(this.need(), init);
  }

  async updateTrial(number: number, update: TrialUpdate): Promise<FrozenTrial> {
    return applyUpdateTrial(this.need(), number, update);
  }

  async getTrial(number: number): Promise<FrozenTrial | null> {
    const t = this.need().trials.find((x) => x.number === number);
    return t ? structuredClone(t) : null;
  }

  async listTrials(): Promise<FrozenTrial[]> {
    return structuredClone([...this.need().trials].sort((a, b) => a.number - b.number));
  }

  private need(): StudyRecord {
    if (!this.study) throw new Error('no study in this store: call createStudy first');
    return this.study;
  }
}
