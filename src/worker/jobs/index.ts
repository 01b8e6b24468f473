// Job kind → implementation, loaded lazily so a worker only pulls in what it runs.
import type { RunKind, RunSpec } from '../../shared/specs';
import type { Job } from './types';

type Loader = () => Promise<Job<RunSpec>>;

export const JOBS: Record<RunKind, Loader> = {
  bench: async () => (await import('./bench')).benchJob as Job<RunSpec>,
  selftest: async () => (await import('./selftest')).selftestJob as Job<RunSpec>,
  train: async () => (await import('./train')).trainJob as Job<RunSpec>,
  importDataset: async () => (await import('./importDataset')).importDatasetJob as Job<RunSpec>,
  prune: async () => (await import('./prune')).pruneJob as Job<RunSpec>,
  groupLasso: async () => (await import('./groupLasso')).groupLassoJob as Job<RunSpec>,
  distill: async () => (await import('./distill')).distillJob as Job<RunSpec>,
  export: async () => (await import('./export')).exportJob as Job<RunSpec>,
  importCorpus: async () => (await import('./importCorpus')).importCorpusJob as Job<RunSpec>,
  lm: async () => (await import('./lm')).lmJob as Job<RunSpec>,
  lmSample: async () => (await import('./lmSample')).lmSampleJob as Job<RunSpec>,
  importModel: async () => (await import('./importModel')).importModelJob as Job<RunSpec>,
};
