// Exporting a finished run: the checks a user gets an immediate answer to (which run, which formats,
// where), the export run's spec, and recording the exported files on the source run once it is done.
// The worker's export job repeats the destination checks right before writing (the folder may
// change in between) and is the authority on them.
import fs from 'node:fs';
import path from 'node:path';
import { type ExportFormatArg, type ExportRunOptions, ExportSpec, expandFormats, modelFamilyOfKind } from '../../shared/specs/export';
import { ApiError } from '../../shared/transport';
import { parseSpec, SpecError } from '../../shared/validate';
import type { RunInternal, Store } from './store';

/** What the GUI dialog and `whittle export` ask for (shared with the API types). */
export type ExportOptions = ExportRunOptions;

export const MODEL_FILE = 'model.safetensors';

const bad = (message: string, field?: string) =>
  new ApiError(message, 'bad_request', field ? [{ path: field, message }] : undefined);

/** The spec of the export run for `sourceId`, or an ApiError saying what is wrong with the request. */
export function exportSpecFor(store: Store, sourceId: string, o: ExportOptions): ExportSpec {
  const source = store.getRun(sourceId);
  if (!source) throw new ApiError(`run '${sourceId}' not found`, 'not_found');
  if (source.status !== 'done') {
    throw new ApiError(`run ${sourceId} is ${source.status}; only a finished run can be exported`, 'conflict');
  }
  if (!fs.existsSync(path.join(store.runDir(sourceId), MODEL_FILE))) {
    throw bad(`run ${sourceId} (${source.kind}) has no model to export (${MODEL_FILE} is missing from its folder)`, 'source');
  }
  let formats: ExportFormatArg[];
  // The run's kind tells its model family (lm and importModel runs hold decoders), so `all` and a
  // format of the other family get their answer here; the worker checks the file itself again.
  const family = modelFamilyOfKind(source.kind);
  try {
    formats = expandFormats(Array.isArray(o.formats) ? o.formats.join(',') : o.formats ?? 'all', family);
  } catch (e) {
    throw bad((e as Error).message, 'formats');
  }
  if (!o.out || !path.isAbsolute(o.out)) throw bad(`export destination must be an absolute path (got '${o.out ?? ''}')`, 'out');
  // Which folders `out` may lie in is the service's folder limit (folderLimit.ts), checked for
  // every export run in createRun; callers cannot name a folder of their own.
  const out = path.resolve(o.out);
  if (fs.existsSync(out)) {
    if (!fs.statSync(out).isDirectory()) throw bad(`cannot export to ${out}: it is a file, not a folder`, 'out');
    if (!o.force && fs.readdirSync(out).length) {
      throw bad(`export destination ${out} is not empty; choose an empty folder or use --force to replace earlier export files`, 'out');
    }
  }
  // The run the source was made from (pruned from / distilled from), when its model is still there:
  // the size/speed report compares against it and the card takes its task.
  const up = (source.spec as { inputs?: Record<string, string> }).inputs;
  const upId = up?.source ?? up?.teacher;
  const upstream = upId ? store.getRun(upId) : null;
  const original = upstream && upstream.status === 'done' && fs.existsSync(path.join(store.runDir(upstream.id), MODEL_FILE)) ? upstream.id : null;
  try {
    return parseSpec(ExportSpec, {
      kind: 'export', name: `export of ${source.name}`, inputs: { source: sourceId, ...(original ? { original } : {}) }, formats, out,
      force: Boolean(o.force),
      ...(o.compact !== undefined ? { compact: o.compact } : {}), ...(o.onnxOpset !== undefined ? { onnxOpset: o.onnxOpset } : {}),
    });
  } catch (e) {
    // Named as the caller knows the fields (the export options), not as the spec stores them.
    if (e instanceof SpecError) throw new ApiError(`invalid export: ${e.message}`, 'bad_request', e.issues);
    throw e;
  }
}

/** Once an export run is done, list its files under the source run too (the job announced them as
 *  artifacts of the export run, with meta.sourceRun). Call from the service's run-settled hook. */
export function recordExportOnSource(store: Store, run: RunInternal): number {
  if (run.kind !== 'export' || run.status !== 'done') return 0;
  const sourceId = (run.spec as ExportSpec).inputs.source;
  if (!store.getRun(sourceId)) return 0;
  let n = 0;
  for (const a of store.artifacts(run.id)) {
    if (!a.kind.startsWith('export.')) continue;
    store.addArtifact({ runId: sourceId, kind: a.kind, path: a.path, bytes: a.bytes, sha256: a.sha256, meta: { ...(a.meta ?? {}), exportRun: run.id } });
    n++;
  }
  return n;
}
