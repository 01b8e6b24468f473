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

/** The model the report compares against: inputs.original if given, else the run the source was
 *  made from (inputs.source of a prune/groupLasso run, inputs.teacher of a distill run), when its
 *  model is still on disk; otherwise the source model itself before compaction. */
function originalModel(ctx: JobContext<ExportSpec>, source: JobInput): { runId: string; weights: MlpWeights; spec?: RunSpec } | undefined {
  const given = ctx.inputs.original;
  if (given) return { runId: given.runId, weights: loadRunModel(given, 'original'), spec: given.spec };
  const up = (source.spec as { inputs?: Record<string, string> }).inputs;
  const id = up?.source ?? up?.teacher;
  if (!id) return undefined;
  const dir = path.join(ctx.home, 'runs', id);
  if (!fs.existsSync(path.join(dir, MODEL_FILE))) {
    ctx.log(`run ${id}, which ${source.runId} was made from, has no model on disk: comparing against ${source.runId} before compaction`, 'warn');
    return undefined;
  }
  return { runId: id, weights: loadRunModel({ runId: id, dir, summary: null, spec: source.spec }, 'original') };
}

/** The run a decoder was made from (inputs.original, else the lm run's source or teacher), when its
 *  model is on disk. */
function originalDecoderRun(ctx: JobContext<ExportSpec>, source: JobInput): JobInput | undefined {
  if (ctx.inputs.original) return ctx.inputs.original;
  const up = (source.spec as { inputs?: Record<string, string> }).inputs;
  const id = up?.source ?? up?.teacher;
  if (!id) return undefined;
  const dir = path.join(ctx.home, 'runs', id);
  if (!fs.existsSync(path.join(dir, MODEL_FILE))) return undefined;
  return { runId: id, dir, summary: null, spec: source.spec };
}

export const exportJob: Job<ExportSpec> = async (ctx) => {
  const source = ctx.inputs.source;
  if (!source) throw new Error('inputs.source: no run to export');
  if (runModelFamily(source) === 'decoder') return exportDecoderJob(ctx, source);
  let res;
  try {
    res = await exportModel({
      spec: ctx.spec, source, original: originalModel(ctx, source), backend: ctx.backend.backend,
      whittleVersion: WHITTLE_VERSION, progress: (s, t, phase) => ctx.progress(s, t, phase), cancelled: ctx.cancelled,
    });
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
    formats: [...new Set(res.files.map((f) => f.format).filter((f) => f !== 'card'))],
    files: res.files,
    skill: res.card.skill,
    size: res.card.size,
    report: r,
    // The export dialog previews the card from here.
    cardMarkdown: cardMarkdown(res.card),
  };
};

async function exportDecoderJob(ctx: JobContext<ExportSpec>, source: JobInput) {
  let res;
  try {
    res = await exportDecoder({
      spec: ctx.spec, source, original: originalDecoderRun(ctx, source), backend: ctx.backend.backend,
      whittleVersion: WHITTLE_VERSION, progress: (s, t, phase) => ctx.progress(s, t, phase), cancelled: ctx.cancelled,
    });
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
    formats: res.formats,
    files: res.files,
    skill: res.card.skill,
    size: res.card.size,
    report: r,
    cardMarkdown: res.cardMarkdown,
  };
}
