// Import a dataset into WHITTLE_HOME/datasets/<name>/ (see tasks/images/importer.ts). Runs as a job so
// decoding thousands of images happens off the app's main thread; the summary is the dataset's
// metadata, which the dataset registry records once the run is done. A cancelled import writes nothing.
import type { ImportDatasetSpec } from '../../shared/specs/dataset';
import { ImportCancelled } from '../tasks/images/folderSource';
import { importDataset } from '../tasks/images/importer';
import type { Job } from './types';

export const importDatasetJob: Job<ImportDatasetSpec> = async (ctx) => {
  const { spec } = ctx;
  ctx.log(`importing ${spec.source} as dataset "${spec.dataset}"`);
  let phase = 'reading';
  try {
    const meta = await importDataset(spec, ctx.home, {
      phase: (p) => { phase = p; ctx.log(p); },
      progress: (done, total) => ctx.progress(done, total, phase),
      cancelled: () => ctx.cancelled(),
    });
    ctx.log(`dataset "${meta.name}": ${meta.classes.length} classes, ${meta.counts.train} train / ${meta.counts.test} test images of ${meta.shape.join('×')}`);
    return { dataset: meta.name, meta };
  } catch (e) {
    if (e instanceof ImportCancelled) return { dataset: spec.dataset, cancelled: true };
    throw e;
  }
};
