import { MemoryTrialStore } from '../../src/storage/index.js';
import { trialStoreContract } from './contract.js';

trialStoreContract('memory', async () => new MemoryTrialStore());
