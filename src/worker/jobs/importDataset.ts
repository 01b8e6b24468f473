// Import a dataset into WHITTLE_HOME/datasets/<name>/ (see tasks/images/importer.ts). Runs as a job so
// decoding thousands of images happens off the app's main thread; the summary is the dataset's
// metadata, which the dataset registry records once the run is done.
import type { ImportDatasetSpec } from '../../shared/specs/dataset';
import { importDataset } from '../tasks/images/importer';
import type { Job } from './types';

export const importDatasetJob: Job<ImportDatasetSpec> = async (ctx) => {
  const { spec } = ctx;
  ctx.log(`importing ${spec.source} as dataset "${spec.dataset}"`);
  let phase = 'reading';
  const meta = importDataset(spec, ctx.home, {
    phase: (p) => { phase = p; ctx.log(p); },
    // The image count is unknown until the folders are listed; report what is done so far.
    progress: (n) => ctx.progress(n, Math.max(n, 1), phase),
  });
  ctx.log(`dataset "${meta.name}": ${meta.classes.length} classes, ${meta.counts.train} train / ${meta.counts.test} test images of ${meta.shape.join('×')}`);
  return { dataset: meta.name, meta };
};
