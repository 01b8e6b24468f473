// One decoder export, start to finish (the decoder counterpart of exportModel.ts): check the
// destination, load the run's model and tokenizer, compact it, encode the requested formats
// (hf, onnx, transformersjs), run the encoded files against the engine, time the engine before and
// after compaction, write the model card, and put the whole set in place at once. Nothing is
// written before every check passed.
//
// Folder layout (one folder serves every format asked for):
//   config.json, model.safetensors, tokenizer.json, tokenizer_config.json, generation_config.json  (hf)
//   onnx/model.onnx                                                                                (onnx)
//   config.json, tokenizer.json, tokenizer_config.json, generation_config.json, onnx/model.onnx   (transformersjs)
//   model-card.md, model-card.json, export-report.json
import fs from 'node:fs';
import path from 'node:path';
import type { JobInput } from '../../shared/events';
import type { ExportFormat } from '../../shared/specs/export';
import { HF_SOURCE_META } from '../../shared/specs/importModel';
import { sha256 } from '../engine/files';
import { tf, type Tensor2D } from '../engine/tf';
import { compactTransformer } from '../models/decoder/compact';
import { padHeads } from '../models/decoder/heads';
import { countDecoderParams, type DecoderConfig } from '../models/decoder/config';
import { decodeTransformer, TOKENIZER_META } from '../models/decoder/file';
import { anyMasked, Transformer, type TransformerWeights } from '../models/decoder/model';
import type { ExportedFile } from './card';
import { buildDecoderCard, decoderCardMarkdown, type DecoderModelCard } from './decoderCard';
import { encodeDecoderOnnx } from './decoderOnnx';
import { checkDecoderOnnx, engineLogits, randomTokens } from './decoderVerify';
import { checkDestination, ExportError, writeExport } from './destination';
import type { ExportRequest } from './exportModel';
import { CHECK_TOLERANCE, ExportCancelled, resolveFormats, runModelFile } from './exportModel';
import { hfModelFiles, weightsFromHfFiles } from './hfExport';
import { decoderTokenizerFiles, type TokenizerFiles } from './decoderTokenizer';
import type { ExportMeta } from './meta';
import { keptSkill, removedSkills, specHash } from './card';
import type { ModelStats, RuntimeCheck, SizeSpeedReport } from './report';
import { sizeSpeedReport } from './report';
import { transformersJsConfig } from './transformersJs';

export const ONNX_PATH = 'onnx/model.onnx';

export interface DecoderExportRequest extends Omit<ExportRequest, 'original'> {
  /** The run the source was made from (pruned from, distilled from), compared against in the report. */
  original?: JobInput;
}

export interface DecoderExportResult {
  dir: string;
  /** The formats written (`all` resolved); transformers.js shares its files with hf and onnx. */
  formats: ExportFormat[];
  files: (ExportedFile & { path: string })[];
  card: DecoderModelCard;
  cardMarkdown: string;
  report: SizeSpeedReport;
}

interface Loaded { weights: TransformerWeights; metadata: Record<string, string> }

function loadDecoder(input: JobInput): Loaded {
  const file = runModelFile(input);
  try {
    return decodeTransformer(new Uint8Array(fs.readFileSync(file)), file);
  } catch (e) {
    throw new ExportError(`run ${input.runId}: its model cannot be read: ${(e as Error).message}`);
  }
}

/** Largest |logit difference| the checks accept: CHECK_TOLERANCE relative to the largest logit
 *  (float32 sums in another order differ by a few ulps of the logits' size). */
export const tolerance = (scale: number) => CHECK_TOLERANCE * Math.max(1, scale);

function maxAbs(a: ArrayLike<number>): number { let m = 0; for (let k = 0; k < a.length; k++) m = Math.max(m, Math.abs(a[k])); return m; }
function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let d = 0;
  for (let k = 0; k < a.length; k++) { const x = Math.abs(a[k] - b[k]); d = Number.isNaN(x) ? Infinity : Math.max(d, x); }
  return d;
}

const size = (d: string | Uint8Array) => (typeof d === 'string' ? Buffer.byteLength(d) : d.byteLength);
const neurons = (c: DecoderConfig) => c.mlp.reduce((a, b) => a + b, 0);

/** Median ms of a forward pass on one sequence of T tokens, each model in turns after warm-up. */
function measureDecoderLatency(models: TransformerWeights[], T: number, repeats: number, seed: number, used: Record<string, number>): Record<string, number>[] {
  const live = models.map((w) => new Transformer(w));
  const key = `1×${T} tokens`;
  try {
    const x = tf.tensor2d(randomTokens(1, T, Math.min(...models.map((m) => m.config.vocab)), seed), [1, T], 'int32') as Tensor2D;
    try {
      const once = (m: Transformer) => tf.tidy(() => { m.forward(x).dataSync(); });
      const t0 = performance.now();
      for (const m of live) once(m);
      const perRound = performance.now() - t0;
      const n = Math.min(repeats, Math.max(3, Math.floor(5000 / Math.max(perRound, 1e-3))));
      used[key] = n;
      const times: number[][] = live.map(() => []);
      for (let r = 0; r < n; r++) live.forEach((m, k) => { const s = performance.now(); once(m); times[k].push(performance.now() - s); });
      return times.map((t) => { t.sort((a, b) => a - b); return { [key]: t[Math.floor(t.length / 2)] }; });
    } finally { x.dispose(); }
  } finally { live.forEach((m) => m.dispose()); }
}

function stats(runId: string | null, w: TransformerWeights, bytes: Record<string, number>, latencyMs: Record<string, number>): ModelStats {
  const active = w.masks.mlp.reduce((s, m) => s + m.reduce((t, v) => t + (v !== 0 ? 1 : 0), 0), 0);
  return { runId, hidden: [...w.config.mlp], units: neurons(w.config), activeUnits: active, params: countDecoderParams(w.config), bytes, latencyMs };
}

export function decoderMetaProps(meta: ExportMeta, c: DecoderConfig): Record<string, string> {
  return {
    'whittle.arch': 'decoder',
    'whittle.config': JSON.stringify(c),
    'whittle.name': meta.name,
    'whittle.source_run': meta.sourceRun,
    'whittle.skill': meta.skill ?? '',
    'whittle.skills_removed': JSON.stringify(meta.skillsRemoved),
    'whittle.version': meta.whittleVersion,
    'whittle.spec_sha256': meta.specHash,
    'whittle.exported_at': meta.exportedAt,
  };
}

/** GPT-2 ties the head count to the width (n_head × head width = n_embd), and transformers.js sizes
 *  its key/value cache from that: a GPT-style model with pruned heads is written with zero heads
 *  added back up to n_embd / head width (heads.ts padHeads; they add exactly 0 to every logit). */
function padGpt2Heads(w: TransformerWeights): TransformerWeights {
  const c = w.config;
  const gptStyle = c.norm === 'layernorm' && c.positions === 'learned' && c.kvHeads === c.heads;
  if (!gptStyle || c.heads * c.headDim >= c.dModel || c.dModel % c.headDim !== 0) return w;
  return padHeads(w, c.dModel / c.headDim);
}

export async function exportDecoder(req: DecoderExportRequest): Promise<DecoderExportResult> {
  const { spec, source } = req;
  const formats = resolveFormats(spec.formats, 'decoder');
  const dest = checkDestination(spec.out, { force: spec.force, within: spec.within });
  const step = (k: number, phase: string) => {
    if (k < 6 && req.cancelled?.()) throw new ExportCancelled();
    req.progress?.(k, 6, phase);
  };

  step(0, 'loading');
  const { weights: sourceW, metadata } = loadDecoder(source);
  const masked = anyMasked(sourceW.masks);
  if (!spec.compact && masked) {
    throw new ExportError(`run ${source.runId}: a decoder is always exported compacted (masked residual dimensions change LayerNorm statistics, which a file without masks cannot express); leave compaction on`);
  }
  let exported: TransformerWeights;
  try { exported = masked ? compactTransformer(sourceW) : sourceW; } catch (e) { throw new ExportError(`run ${source.runId}: ${(e as Error).message}`); }
  exported = padGpt2Heads(exported);
  const T = Math.min(12, exported.config.context);
  const checkTokens = randomTokens(2, T, exported.config.vocab, spec.seed);
  const ref = engineLogits(sourceW, checkTokens, 2, T);
  // Nothing masked: the exported weights are the source's own, and the check is 0 by construction.
  const check = { inputs: 2 * T, maxAbsDiff: masked ? maxAbsDiff(engineLogits(exported, checkTokens, 2, T), ref) : 0 };
  if (!(check.maxAbsDiff <= tolerance(maxAbs(ref)))) {
    throw new ExportError(`run ${source.runId}: the compacted model's logits differ from the source model's by ${check.maxAbsDiff} (> ${tolerance(maxAbs(ref))}); nothing was written`);
  }
  let original: { runId: string | null; weights: TransformerWeights; input: JobInput | null } = { runId: null, weights: sourceW, input: null };
  if (req.original) {
    try {
      const up = decodeTransformer(new Uint8Array(fs.readFileSync(runModelFile(req.original))), 'original');
      if (up.weights.config.vocab === sourceW.config.vocab) original = { runId: req.original.runId, weights: up.weights, input: req.original };
    } catch { /* not a decoder, or unreadable: compare with the source before compaction */ }
  }
  const meta: ExportMeta = {
    name: source.spec.name ?? source.runId,
    sourceRun: source.runId,
    skill: keptSkill(source.spec as unknown as Record<string, unknown>),
    skillsRemoved: removedSkills(source.spec as unknown as Record<string, unknown>, source.summary),
    whittleVersion: req.whittleVersion,
    specHash: specHash(source.spec),
    exportedAt: (req.now ?? new Date()).toISOString(),
  };
  const props = decoderMetaProps(meta, exported.config);

  step(1, 'encoding');
  const files: Record<string, string | Uint8Array> = {};
  const fileFormat: Record<string, string> = {};
  const put = (format: ExportFormat, name: string, data: string | Uint8Array) => { files[name] = data; fileFormat[name] ??= format; };
  const wantsOnnx = formats.includes('onnx') || formats.includes('transformersjs');
  const doc = `${meta.name}: decoder language model exported by Whittle; inputs input_ids, attention_mask, past_key_values.*; outputs logits (no softmax) and present.*`;
  const onnxOf = (w: TransformerWeights) => {
    try { return encodeDecoderOnnx(w, decoderMetaProps(meta, w.config), spec.onnxOpset, doc); } catch (e) { throw new ExportError(`ONNX: ${(e as Error).message}`); }
  };
  const onnx = wantsOnnx ? onnxOf(exported) : null;
  let tok: TokenizerFiles | null = null;
  if (formats.includes('hf') || formats.includes('transformersjs')) {
    try { tok = decoderTokenizerFiles(metadata, exported.config.context); } catch (e) { throw new ExportError(`run ${source.runId}: tokenizer: ${(e as Error).message}`); }
  }
  // An imported checkpoint's own facts (architecture, end-of-sequence token), when the file keeps them.
  let imported: { architecture?: string; eosId?: number | null; bosId?: number | null } = {};
  try { imported = JSON.parse(metadata[HF_SOURCE_META] ?? '{}') as typeof imported; } catch { /* not an import */ }
  if (tok && typeof imported.eosId === 'number') tok.eosId = imported.eosId;
  if (tok && typeof imported.bosId === 'number') tok.bosId = imported.bosId;
  let hf: ReturnType<typeof hfModelFiles> | null = null;
  if (formats.includes('hf')) {
    try {
      hf = hfModelFiles(exported, { eosId: tok?.eosId, bosId: tok?.bosId, metadata: props, preferred: imported.architecture ?? null });
    } catch (e) {
      throw new ExportError(`run ${source.runId} cannot be written as a Hugging Face folder: ${(e as Error).message}${formats.length > 1 || spec.formats.includes('all') ? ' (export --format onnx,transformersjs still works)' : ''}`);
    }
    put('hf', 'config.json', hf['config.json']);
    put('hf', 'model.safetensors', hf['model.safetensors']);
    put('hf', 'generation_config.json', hf['generation_config.json']);
    put('hf', 'tokenizer.json', tok!['tokenizer.json']);
    put('hf', 'tokenizer_config.json', tok!['tokenizer_config.json']);
  }
  if (onnx && formats.includes('onnx')) put('onnx', ONNX_PATH, onnx);
  if (formats.includes('transformersjs')) {
    if (!files['config.json']) put('transformersjs', 'config.json', JSON.stringify(transformersJsConfig(exported.config, tok!), null, 2) + '\n');
    if (!files['generation_config.json']) put('transformersjs', 'generation_config.json', JSON.stringify({ _from_model_config: true, ...(tok!.eosId != null ? { eos_token_id: tok!.eosId } : {}) }, null, 2) + '\n');
    put('transformersjs', 'tokenizer.json', tok!['tokenizer.json']);
    put('transformersjs', 'tokenizer_config.json', tok!['tokenizer_config.json']);
    put('transformersjs', ONNX_PATH, onnx!);
  }
  const bytesOf = (names: string[]) => names.filter((n) => files[n] !== undefined).reduce((s, n) => s + size(files[n]), 0);
  const namesOf: Record<string, string[]> = {
    hf: ['config.json', 'model.safetensors', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json'],
    onnx: [ONNX_PATH],
    transformersjs: ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json', ONNX_PATH],
  };
  const bytesCompact: Record<string, number> = {};
  const bytesOriginal: Record<string, number> = {};
  const paramsInFile = (f: string) => countDecoderParams(exported.config) + (f === 'hf' ? paddedParams(exported.config, hf?.paddedNeurons ?? 0) : 0);
  for (const f of formats) {
    bytesCompact[f] = bytesOf(namesOf[f]);
    // The original in the same format (not encoded: it can be large): the same files with its
    // float32 parameters in place of the exported ones.
    bytesOriginal[f] = bytesCompact[f] + 4 * (countDecoderParams(original.weights.config) - paramsInFile(f));
  }

  step(2, 'checking');
  const runtimeChecks: RuntimeCheck[] = [];
  if (onnx) {
    // the graph has the exported shape (GPT-2: heads padded), its logits must be the source's
    const c = await checkDecoderOnnx(onnx, exported, spec.seed, 2, T, { tokens: checkTokens, logits: ref });
    runtimeChecks.push(c);
    if (c.maxAbsDiff !== null && !(c.maxAbsDiff <= tolerance(c.scale))) {
      throw new ExportError(`the exported ONNX graph, run by onnxruntime-node, differs from the engine's logits by ${c.maxAbsDiff} (> ${tolerance(c.scale)}${c.withPastMaxAbsDiff !== null ? `; through the key/value cache ${c.withPastMaxAbsDiff}` : ''}); nothing was written`);
    }
  }
  if (hf) {
    let back: TransformerWeights;
    try { back = weightsFromHfFiles(hf['config.json'], hf['model.safetensors']); } catch (e) { throw new ExportError(`the exported Hugging Face files cannot be read back: ${(e as Error).message}; nothing was written`); }
    const got = engineLogits(back, checkTokens, 2, T);
    const d = maxAbsDiff(got, ref);
    runtimeChecks.push({ format: 'hf', runtime: 'whittle engine (config.json + model.safetensors read back)', version: null, inputs: 2 * T, maxAbsDiff: d });
    if (!(d <= tolerance(maxAbs(ref)))) throw new ExportError(`the exported Hugging Face files, read back, differ from the source model by ${d} (> ${tolerance(maxAbs(ref))}); nothing was written`);
  }

  step(3, 'timing');
  const used: Record<string, number> = {};
  // The same weights before and after (nothing was masked, no upstream run): time them once.
  const same = original.weights === exported;
  const lat = measureDecoderLatency(same ? [exported] : [original.weights, exported], Math.min(32, exported.config.context), spec.latency.repeats, spec.seed, used);
  const [latOriginal, latCompact] = same ? [lat[0], lat[0]] : lat;
  const report = sizeSpeedReport(req.backend, spec.latency.repeats, used, check, runtimeChecks,
    stats(original.runId, original.weights, bytesOriginal, latOriginal), stats(source.runId, exported, bytesCompact, latCompact));

  step(4, 'model card');
  const modelFiles: ExportedFile[] = Object.entries(files).map(([name, data]) => ({ format: fileFormat[name], name, bytes: size(data), sha256: sha256(data) }));
  const card = buildDecoderCard({
    meta, source, original: original.input, compact: exported.config, huggingFace: hf?.architecture ?? null, hfPaddedNeurons: hf ? hf.paddedNeurons : null,
    files: modelFiles, report, formats, onnxPath: ONNX_PATH, residBefore: original.weights.config.dModel,
  });
  const cardMarkdown = decoderCardMarkdown(card);
  files['model-card.json'] = JSON.stringify(card, null, 2) + '\n';
  files['model-card.md'] = cardMarkdown;
  files['export-report.json'] = JSON.stringify(report, null, 2) + '\n';

  step(5, 'writing');
  writeExport(dest, files);
  step(6, 'done');
  return {
    dir: dest.dir,
    formats,
    files: Object.entries(files).map(([name, data]) => ({ format: fileFormat[name] ?? 'card', name, bytes: size(data), sha256: sha256(data), path: path.join(dest.dir, ...name.split('/')) })),
    card,
    cardMarkdown,
    report,
  };
}

/** Parameters `padded` zero neurons add: each owns an input column (two when gated), an output row
 *  and its biases. */
function paddedParams(c: DecoderConfig, padded: number): number {
  return padded * (c.dModel * (c.gatedMlp ? 3 : 2) + (c.bias.mlp ? (c.gatedMlp ? 2 : 1) : 0));
}
