// The export job: writes the source run's (compacted) model in the requested formats with a model
// card and a size/speed report. Every file is announced as an artifact (kind `export.<format>`,
// meta.sourceRun) so the service can list it under the source run too.
import { cardMarkdown } from '../export/card';
import fs from 'node:fs';
import path from 'node:path';
import type { JobInput } from '../../shared/events';
import type { RunSpec } from '../../shared/specs';
import type { ExportSpec } from '../../shared/specs/export';
import { WHITTLE_VERSION } from '../../shared/version';
import { exportDecoder } from '../export/exportDecoder';
import { ExportCancelled, exportModel, loadRunModel, MODEL_FILE, runModelFamily } from '../export/exportModel';
import type { MlpWeights } from '../models/mlp/model';
import type { Job, JobContext } from './types';

/** The run the report compares against: inputs.original if given, else the run the source was made
 *  from (inputs.source of a prune/groupLasso/lm run, inputs.teacher of a distill run), when its model is
 *  still on disk; otherwise none (the source model itself before compaction). */
function originalRun(ctx: JobContext<ExportSpec>, source: JobInput): JobInput | undefined {
  if (ctx.inputs.original) return ctx.inputs.original;
  const up = (source.spec as { inputs?: Record<string, string> }).inputs;
  const id = up?.source ?? up?.teacher;
  if (!id) return undefined;
  const dir = path.join(ctx.home, 'runs', id);
  if (!fs.existsSync(path.join(dir, MODEL_FILE))) {
    ctx.log(`run ${id}, which ${source.runId} was made from, has no model on disk: comparing against ${source.runId} before compaction`, 'warn');
    return undefined;
  }
  return { runId: id, dir, summary: null, spec: source.spec };
}

function originalModel(ctx: JobContext<ExportSpec>, source: JobInput): { runId: string; weights: MlpWeights; spec?: RunSpec } | undefined {
  const run = originalRun(ctx, source);
  return run && { runId: run.runId, weights: loadRunModel(run, 'original'), spec: ctx.inputs.original?.spec };
}

type Exported = Awaited<ReturnType<typeof exportModel>> | Awaited<ReturnType<typeof exportDecoder>>;

/** Run one family's exporter; announce every file as an artifact and summarise the export. */
async function announce(ctx: JobContext<ExportSpec>, source: JobInput, run: () => Promise<Exported>, formats: (res: Exported) => string[], card: (res: Exported) => string) {
  let res: Exported;
  try {
    res = await run();
  } catch (e) {
    if (e instanceof ExportCancelled) return { sourceRun: source.runId, written: false };
    throw e;
  }
  for (const f of res.files) {
    ctx.emit({ type: 'artifact', kind: `export.${f.format}`, path: f.path, bytes: f.bytes, sha256: f.sha256, meta: { sourceRun: source.runId, exportDir: res.dir, format: f.format } });
  }
  const r = res.report;
  ctx.log(`exported ${source.runId} to ${res.dir}: ${r.original.params} → ${r.compact.params} parameters, ${res.files.length} files`);
  return {
    sourceRun: source.runId,
    dir: res.dir,
    formats: formats(res),
    files: res.files,
    skill: res.card.skill,
    size: res.card.size,
    report: r,
    // The export dialog previews the card from here.
    cardMarkdown: card(res),
  };
}

export const exportJob: Job<ExportSpec> = async (ctx) => {
  const source = ctx.inputs.source;
  if (!source) throw new Error('inputs.source: no run to export');
  const common = { spec: ctx.spec, source, backend: ctx.backend.backend, whittleVersion: WHITTLE_VERSION, progress: (s: number, t: number, phase?: string) => ctx.progress(s, t, phase), cancelled: ctx.cancelled };
  if (runModelFamily(source) === 'decoder') {
    return announce(ctx, source, () => exportDecoder({ ...common, original: originalRun(ctx, source) }),
      (res) => (res as Awaited<ReturnType<typeof exportDecoder>>).formats,
      (res) => (res as Awaited<ReturnType<typeof exportDecoder>>).cardMarkdown);
  }
  return announce(ctx, source, () => exportModel({ ...common, original: originalModel(ctx, source) }),
    (res) => [...new Set(res.files.map((f) => f.format).filter((f) => f !== 'card'))],
    (res) => cardMarkdown((res as Awaited<ReturnType<typeof exportModel>>).card));
};
