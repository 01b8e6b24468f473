// One export, start to finish: check the destination, load the source run's model, compact it,
// encode every requested format, measure the size/speed report, write the model card, and put the
// whole set in place at once. Everything is computed in memory before the first byte is written.
import fs from 'node:fs';
import path from 'node:path';
import type { JobInput } from '../../shared/events';
import type { RunSpec } from '../../shared/specs';
import { type ExportFormat, type ExportFormatArg, type ExportSpec, exportFormatsFor, type ModelFamily } from '../../shared/specs/export';
import { compactMlp } from '../compress/compact';
import { sha256 } from '../engine/files';
import type { MlpWeights } from '../models/mlp/model';
import { decodeMlp } from '../models/mlp/file';
import { familyOfArch } from '../models/family';
import { decodeSafetensors } from '../models/safetensors';
import { buildCard, cardMarkdown, type ExportedFile, keptSkill, type ModelCard, removedSkills, specHash } from './card';
import { checkDestination, ExportError, writeExport } from './destination';
import type { ExportMeta } from './meta';
import { encodeOnnx } from './onnx';
import { measureLatencies, modelStats, outputsMaxDiff, type RuntimeCheck, type SizeSpeedReport, sizeSpeedReport } from './report';
import { encodeSafetensorsExport } from './safetensors';
import { encodeTfjs } from './tfjs';
import { checkOnnx, checkSafetensors } from './verify';

/** Largest logit difference between the exported and the source model that still counts as equal
 *  (float32 sums in a different order differ by ~1e-6 at these sizes). */
export const CHECK_TOLERANCE = 1e-4;

/** A run's final model, as every model-producing job writes it. */
export const MODEL_FILE = 'model.safetensors';

export interface ExportRequest {
  spec: Pick<ExportSpec, 'formats' | 'out' | 'within' | 'force' | 'compact' | 'onnxOpset' | 'latency' | 'seed'>;
  source: JobInput;
  /** The model the report compares against when it is another run's (pruned-from, teacher). */
  original?: { runId: string; weights: MlpWeights; spec?: RunSpec };
  backend: string;
  whittleVersion: string;
  now?: Date;
  progress?: (step: number, total: number, phase: string) => void;
  /** Checked between phases; once true the export stops before writing anything. */
  cancelled?: () => boolean;
}

/** Thrown when the export was cancelled before its files were written. */
export class ExportCancelled extends Error {
  override name = 'ExportCancelled';
  constructor() { super('export cancelled; nothing was written'); }
}

export interface ExportResult {
  dir: string;
  /** Every file written, the model card and report included, with absolute paths. */
  files: (ExportedFile & { path: string })[];
  card: ModelCard;
  report: SizeSpeedReport;
}

/** A run's model file, or an ExportError saying why there is none. */
export function runModelFile(input: JobInput): string {
  const file = path.join(input.dir, MODEL_FILE);
  if (!fs.existsSync(file)) {
    throw new ExportError(`run ${input.runId} (${input.spec.kind}) has no model to export: ${MODEL_FILE} is missing from its folder${['train', 'prune', 'distill', 'groupLasso', 'lm'].includes(input.spec.kind) ? ' (has it finished?)' : ''}`);
  }
  return file;
}

/** Which family the run's model file holds (its whittle.arch metadata; unreadable: mlp, whose
 *  reader then names the problem). */
export function runModelFamily(input: JobInput): ModelFamily {
  const file = runModelFile(input);
  const fd = fs.openSync(file, 'r');
  try {
    // Only the header: a model file can be large.
    const len = Buffer.alloc(8);
    if (fs.readSync(fd, len, 0, 8, 0) < 8) return 'mlp';
    const n = Number(len.readBigUInt64LE(0));
    if (n > 100 * 1024 * 1024) return 'mlp';
    const head = Buffer.alloc(n);
    fs.readSync(fd, head, 0, n, 8);
    const arch = (JSON.parse(head.toString('utf8')) as { __metadata__?: Record<string, string> }).__metadata__?.['whittle.arch'];
    return familyOfArch(arch) === 'decoder' ? 'decoder' : 'mlp';
  } catch {
    return 'mlp';
  } finally {
    fs.closeSync(fd);
  }
}

/** The formats to write for a model of `family`: `all` expanded, the other family's refused. */
export function resolveFormats(requested: readonly ExportFormatArg[], family: ModelFamily): ExportFormat[] {
  const allowed = exportFormatsFor(family);
  const use = `use ${allowed.join(', ')} or all`;
  if (!requested.length) throw new ExportError(`no export format given (${use})`);
  const out = new Set<ExportFormat>();
  for (const f of requested) {
    if (f === 'all') { allowed.forEach((a) => out.add(a)); continue; }
    if (!(allowed as readonly string[]).includes(f)) {
      throw new ExportError(`format '${f}' is not available for ${family === 'mlp' ? 'an MLP' : 'a decoder language model'} (${use})`);
    }
    out.add(f);
  }
  return [...out];
}

export function loadRunModel(input: JobInput, role = 'source'): MlpWeights {
  const file = runModelFile(input);
  const bytes = new Uint8Array(fs.readFileSync(file));
  let arch: string | undefined;
  try { arch = decodeSafetensors(bytes, file).metadata['whittle.arch']; } catch { /* decodeMlp reports it below */ }
  const family = familyOfArch(arch);
  if (arch && family !== 'mlp') {
    throw new ExportError(`run ${input.runId} holds a ${family === 'decoder' ? 'transformer' : arch} model, not an MLP`);
  }
  try {
    return decodeMlp(bytes, `inputs.${role} (${file})`);
  } catch (e) {
    throw new ExportError(`run ${input.runId}: its model cannot be read: ${(e as Error).message}`);
  }
}

/** Masked units zeroed in place of removal (compact: false): files without masks then compute
 *  what the masked model computes, since a zero column, bias and outgoing row contribute nothing. */
export function zeroMasked(w: MlpWeights): MlpWeights {
  const W = w.W.map((x) => Float32Array.from(x));
  const b = w.b.map((x) => Float32Array.from(x));
  w.masks.forEach((m, h) => {
    const outW = w.config.hidden[h];
    const next = h + 1 < w.config.hidden.length ? w.config.hidden[h + 1] : w.config.outputs;
    m.forEach((v, j) => {
      if (v !== 0) return;
      for (let i = 0; i < W[h].length / outW; i++) W[h][i * outW + j] = 0;
      b[h][j] = 0;
      W[h + 1].fill(0, j * next, (j + 1) * next);
    });
  });
  return { config: w.config, W, b, masks: w.masks.map((m) => new Float32Array(m.length).fill(1)) };
}

type Files = Record<string, string | Uint8Array>;

function encode(format: ExportFormat, w: MlpWeights, meta: ExportMeta, opset: number): Files {
  if (format === 'tfjs') return encodeTfjs(w, meta);
  if (format === 'onnx') return { 'model.onnx': encodeOnnx(w, meta, opset) };
  if (format === 'safetensors') return { 'model.safetensors': encodeSafetensorsExport(w, meta) };
  throw new ExportError(`unknown export format '${format as string}' (use tfjs, onnx or safetensors)`);
}

const size = (d: string | Uint8Array) => (typeof d === 'string' ? Buffer.byteLength(d) : d.byteLength);

export async function exportModel(req: ExportRequest): Promise<ExportResult> {
  const { spec, source } = req;
  const formats = resolveFormats(spec.formats, 'mlp');
  const dest = checkDestination(spec.out, { force: spec.force, within: spec.within });
  const step = (i: number, phase: string) => {
    // Cancelled before the files are in place: stop, nothing is written.
    if (i < 6 && req.cancelled?.()) throw new ExportCancelled();
    req.progress?.(i, 6, phase);
  };

  step(0, 'loading');
  const sourceW = loadRunModel(source);
  let exported: MlpWeights;
  try {
    exported = spec.compact ? compactMlp(sourceW) : zeroMasked(sourceW);
  } catch (e) {
    throw new ExportError(`run ${source.runId}: ${(e as Error).message}`);
  }
  // Compaction must not change the function: check on random inputs before writing anything.
  const check = { inputs: 256, maxAbsDiff: outputsMaxDiff(sourceW, exported, 256, spec.seed) };
  if (!(check.maxAbsDiff <= CHECK_TOLERANCE)) {
    throw new ExportError(`run ${source.runId}: the compacted model's outputs differ from the source model's by ${check.maxAbsDiff} (> ${CHECK_TOLERANCE}); nothing was written`);
  }
  // An upstream model of another input width is not comparable (a different task): use the source
  // model before compaction instead.
  const upstream = req.original && req.original.weights.config.inputs === sourceW.config.inputs ? req.original : null;
  const original = upstream ?? { runId: null, weights: sourceW };
  const meta: ExportMeta = {
    name: source.spec.name ?? source.runId,
    sourceRun: source.runId,
    skill: keptSkill(source.spec as unknown as Record<string, unknown>),
    skillsRemoved: removedSkills(source.spec as unknown as Record<string, unknown>, source.summary),
    whittleVersion: req.whittleVersion,
    specHash: specHash(source.spec),
    exportedAt: (req.now ?? new Date()).toISOString(),
  };

  step(1, 'encoding');
  const files: Files = {};
  const fileFormat: Record<string, string> = {};
  const bytesCompact: Record<string, number> = {};
  const bytesOriginal: Record<string, number> = {};
  for (const f of formats) {
    const enc = encode(f, exported, meta, spec.onnxOpset);
    for (const [name, data] of Object.entries(enc)) { files[name] = data; fileFormat[name] = f; }
    bytesCompact[f] = Object.values(enc).reduce((s, d) => s + size(d), 0);
    // The original in the same format, in memory only: what the export would weigh uncompacted.
    bytesOriginal[f] = Object.values(encode(f, original.weights, meta, spec.onnxOpset)).reduce((s, d) => s + size(d), 0);
  }

  step(2, 'checking');
  // Run the exported files against the source model before anything is written.
  const runtimeChecks: RuntimeCheck[] = [];
  if (files['model.onnx']) runtimeChecks.push(await checkOnnx(files['model.onnx'] as Uint8Array, sourceW, 64, spec.seed + 1));
  if (files['model.safetensors']) runtimeChecks.push(checkSafetensors(files['model.safetensors'] as Uint8Array, sourceW, 64, spec.seed + 1));
  for (const c of runtimeChecks) {
    if (c.maxAbsDiff !== null && !(c.maxAbsDiff <= CHECK_TOLERANCE)) {
      throw new ExportError(`the exported ${c.format} file, run by ${c.runtime}, differs from the source model by ${c.maxAbsDiff} (> ${CHECK_TOLERANCE}); nothing was written`);
    }
  }

  step(3, 'timing');
  const used: Record<string, number> = {};
  const [latOriginal, latCompact] = measureLatencies([original.weights, exported], spec.latency.batches, spec.latency.repeats, spec.seed, undefined, used);
  const report = sizeSpeedReport(req.backend, spec.latency.repeats, used, check, runtimeChecks,
    modelStats(original.runId, original.weights, bytesOriginal, latOriginal),
    modelStats(source.runId, exported, bytesCompact, latCompact));

  step(4, 'model card');
  const modelFiles: ExportedFile[] = Object.entries(files).map(([name, data]) => ({ format: fileFormat[name], name, bytes: size(data), sha256: sha256(data) }));
  const card = buildCard({ meta, source, upstream: req.original?.spec, compact: exported.config, files: modelFiles, report });
  files['model-card.json'] = JSON.stringify(card, null, 2) + '\n';
  files['model-card.md'] = cardMarkdown(card);
  files['export-report.json'] = JSON.stringify(report, null, 2) + '\n';

  step(5, 'writing');
  writeExport(dest, files);
  step(6, 'done');
  return {
    dir: dest.dir,
    files: Object.entries(files).map(([name, data]) => ({
      format: fileFormat[name] ?? 'card', name, bytes: size(data), sha256: sha256(data), path: path.join(dest.dir, name),
    })),
    card,
    report,
  };
}
