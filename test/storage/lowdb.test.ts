import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LowdbTrialStore } from '../../src/storage/index.js';
import { trialStoreContract } from './contract.js';

trialStoreContract(
  'lowdb',
  async () => new LowdbTrialStore(join(mkdtempSync(join(tmpdir(), 'ds-store-')), 'runs', 'study')),
  async (s) => new LowdbTrialStore((s as LowdbTrialStore).dir),
);
