// The run-spec contract: every job kind's schema, unioned on `kind`.
// Adding a job kind = one schema file here + one line in the union + one job file in worker/jobs.
import { z } from 'zod';
import { BenchSpec } from './bench';
import { DistillSpec, GroupLassoSpec, PruneSpec } from './compress';
import { ImportDatasetSpec } from './dataset';
import { ImportModelSpec } from './importModel';
import { ExportSpec } from './export';
import { SelftestSpec } from './selftest';
import { TrainSpec } from './train';
import { ImportCorpusSpec, LmSampleSpec, LmSpec } from './text';

export * from './common';
export * from './cost';
export * from './bench';
export * from './compress';
export * from './dataset';
export * from './importModel';
export * from './export';
export * from './selftest';
export * from './train';
export * from './text';

export const RunSpec = z.discriminatedUnion('kind', [BenchSpec, SelftestSpec, TrainSpec, ImportDatasetSpec, PruneSpec, GroupLassoSpec, DistillSpec, ExportSpec, ImportCorpusSpec, LmSpec, LmSampleSpec, ImportModelSpec]);
export type RunSpec = z.infer<typeof RunSpec>;
export type RunKind = RunSpec['kind'];
