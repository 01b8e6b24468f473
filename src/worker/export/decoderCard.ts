// The model card of an exported decoder language model: architecture, parameter counts before and
// after compression, held-out loss per text domain where the runs measured it, which runtime loads
// which files, and how the files were checked. JSON for tools, Markdown for people.
import type { JobInput } from '../../shared/events';
import type { DecoderConfig } from '../models/decoder/config';
import { type ExportedFile, keptSkill, num, removedSkills, row } from './card';
import type { ExportMeta } from './meta';
import type { SizeSpeedReport } from './report';
import type { DecoderRuntimeCheck } from './decoderVerify';

/** Held-out loss of one run per domain: nats/token, and bits/byte where the run recorded it. */
export interface DomainLoss { natsPerToken: number; bitsPerByte: number | null }

export interface Loader { format: string; files: string[]; loadedBy: string }

export interface DecoderModelCard {
  schema: 'whittle.model-card/1';
  name: string;
  sourceRun: { id: string; kind: string };
  skill: { kept: string | null; removed: string[] };
  method: { kind: string; description: string; settings: Record<string, unknown> };
  model: { arch: 'decoder'; huggingFace: string | null; config: DecoderConfig; output: 'logits' };
  size: { unitsBefore: number; unitsAfter: number; paramsBefore: number; paramsAfter: number; residBefore: number; residAfter: number };
  /** Held-out loss per domain of the exported model (its run) and of the original, where known. */
  loss: { exported: Record<string, DomainLoss> | null; original: Record<string, DomainLoss> | null; originalRun: string | null };
  /** Zero neurons added so every layer of the hf files has the same MLP width (0: none needed). */
  hfPaddedNeurons: number | null;
  loaders: Loader[];
  seed: number | null;
  specSha256: string;
  whittleVersion: string;
  exportedAt: string;
  files: ExportedFile[];
  report: SizeSpeedReport;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Per-domain loss from an lm run's summary (losses in nats/token, bitsPerByte). */
export function domainLosses(summary: Obj | null | undefined): Record<string, DomainLoss> | null {
  const l = summary?.losses;
  if (!isObj(l)) return null;
  const bpb = isObj(summary?.bitsPerByte) ? summary!.bitsPerByte as Obj : {};
  const out: Record<string, DomainLoss> = {};
  for (const [k, v] of Object.entries(l)) {
    if (typeof v === 'number') out[k] = { natsPerToken: v, bitsPerByte: typeof bpb[k] === 'number' ? bpb[k] as number : null };
  }
  return Object.keys(out).length ? out : null;
}

const LM_METHODS: Record<string, string> = {
  train: 'trained from scratch on the run’s text mixture',
  prune: 'pruned: MLP neurons (and attention heads, residual dimensions) scored on the target domain, the least important removed, then recovery training',
  distill: 'distilled: a fresh student trained on the teacher’s soft targets (α·CE + (1−α)·T²·KL)',
  importModel: 'imported from a Hugging Face checkpoint as it was',
};

export function loadersFor(formats: string[], onnxPath: string): Loader[] {
  const out: Loader[] = [];
  if (formats.includes('hf')) {
    out.push({ format: 'hf', files: ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'generation_config.json'], loadedBy: 'Hugging Face transformers (AutoModelForCausalLM / AutoTokenizer .from_pretrained(folder)), Whittle’s `whittle model import`, any safetensors reader' });
  }
  if (formats.includes('onnx')) out.push({ format: 'onnx', files: [onnxPath], loadedBy: 'onnxruntime (any language binding), or any ONNX runtime with opset ≥ 17' });
  if (formats.includes('transformersjs')) {
    out.push({ format: 'transformersjs', files: ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'generation_config.json', onnxPath], loadedBy: '@huggingface/transformers (transformers.js) from this folder: env.localModelPath = parent folder, env.allowRemoteModels = false, AutoModelForCausalLM.from_pretrained(folder name)' });
  }
  return out;
}

export function buildDecoderCard(a: {
  meta: ExportMeta; source: JobInput; original: JobInput | null; compact: DecoderConfig; huggingFace: string | null; hfPaddedNeurons: number | null;
  files: ExportedFile[]; report: SizeSpeedReport; formats: string[]; onnxPath: string; residBefore: number;
}): DecoderModelCard {
  const spec = a.source.spec as unknown as Obj;
  const method = typeof spec.method === 'string' ? spec.method : a.source.spec.kind;
  const settings = Object.fromEntries(Object.entries(spec).filter(([k]) => !['kind', 'name', 'seed', 'inputs', 'task', 'mixture'].includes(k)));
  return {
    schema: 'whittle.model-card/1',
    name: a.meta.name,
    sourceRun: { id: a.source.runId, kind: a.source.spec.kind },
    skill: { kept: keptSkill(spec) ?? a.meta.skill, removed: removedSkills(spec, a.source.summary as Obj | null) },
    method: { kind: method, description: LM_METHODS[method] ?? method, settings },
    model: { arch: 'decoder', huggingFace: a.huggingFace, config: a.compact, output: 'logits' },
    size: {
      unitsBefore: a.report.original.units, unitsAfter: a.report.compact.units,
      paramsBefore: a.report.original.params, paramsAfter: a.report.compact.params,
      residBefore: a.residBefore, residAfter: a.compact.dModel,
    },
    loss: { exported: domainLosses(a.source.summary as Obj | null), original: a.original ? domainLosses(a.original.summary as Obj | null) : null, originalRun: a.original?.runId ?? null },
    hfPaddedNeurons: a.hfPaddedNeurons,
    loaders: loadersFor(a.formats, a.onnxPath),
    seed: typeof spec.seed === 'number' ? spec.seed : null,
    specSha256: a.meta.specHash,
    whittleVersion: a.meta.whittleVersion,
    exportedAt: a.meta.exportedAt,
    files: a.files,
    report: a.report,
  };
}


function architectureLines(c: DecoderConfig): string[] {
  const uniform = c.mlp.every((f) => f === c.mlp[0]);
  return [
    row('property', 'value'), row('---', '---'),
    row('layers', c.mlp.length), row('width (residual)', c.dModel),
    row('attention', `${c.heads} heads × ${c.headDim}${c.kvHeads !== c.heads ? `, ${c.kvHeads} key/value heads (grouped-query)` : ''}`),
    row('MLP width', uniform ? c.mlp[0] : `${c.mlp.join(', ')} (per layer)`),
    row('MLP', `${c.gatedMlp ? 'gated (act(x·W_gate) ⊙ x·W_up)' : 'act(x·W_in)'}, ${c.activation}`),
    row('norm', `${c.norm}, ε = ${c.normEps}`),
    row('positions', c.positions === 'rotary' ? `rotary, θ = ${c.ropeTheta}${c.ropeScaling ? ' (Llama 3 scaling)' : ''}` : 'learned'),
    row('vocabulary', c.vocab), row('context', c.context),
    row('output embedding', c.tiedEmbeddings ? 'tied to the input embedding' : 'separate'),
    row('biases', Object.entries(c.bias).filter(([, v]) => v).map(([k]) => k).join(', ') || 'none'),
  ];
}

export function decoderCardMarkdown(c: DecoderModelCard): string {
  const o = c.report.original, n = c.report.compact;
  const L: string[] = [];
  L.push(`# ${c.name}`, '');
  L.push(`A decoder-only language model${c.skill.kept ? ` for **${c.skill.kept}**` : ''}, ${c.method.description}.`);
  L.push(`Source run \`${c.sourceRun.id}\` (${c.sourceRun.kind}); exported by Whittle ${c.whittleVersion} on ${c.exportedAt}.`, '');
  L.push('## Architecture', '', `Hugging Face architecture: ${c.model.huggingFace ?? 'none (see below)'}.`, '', ...architectureLines(c.model.config));
  L.push('', '## Size', '', row('', `original${o.runId ? ` (${o.runId})` : ''}`, 'exported', 'ratio'), row('---', '---:', '---:', '---:'));
  L.push(row('parameters', num(o.params), num(n.params), num(c.report.ratios.params)));
  L.push(row('MLP neurons', `${num(o.units)} (${o.hidden.join(', ')})`, `${num(n.units)} (${n.hidden.join(', ')})`, num(c.report.ratios.units)));
  L.push(row('residual width', num(c.size.residBefore), num(c.size.residAfter), num(c.size.residAfter / c.size.residBefore)));
  for (const f of Object.keys(n.bytes)) L.push(row(`bytes, ${f}`, num(o.bytes[f]), num(n.bytes[f]), num(c.report.ratios[`bytes.${f}`])));
  for (const b of Object.keys(n.latencyMs)) L.push(row(`forward latency, ${b} (ms)`, num(o.latencyMs[b]), num(n.latencyMs[b]), num(c.report.ratios[`latency.${b}`])));
  L.push('', `Latency: median engine forward pass (tfjs \`${c.report.backend}\`) on one sequence, original and exported timed in turns.`);
  L.push('', '## Held-out loss per domain', '');
  const domains = [...new Set([...Object.keys(c.loss.exported ?? {}), ...Object.keys(c.loss.original ?? {})])];
  if (!domains.length) L.push('_The runs recorded no held-out loss per domain._');
  else {
    L.push(row('domain', 'exported (nats/token)', 'exported (bits/byte)', `original${c.loss.originalRun ? ` ${c.loss.originalRun}` : ''} (nats/token)`), row('---', '---:', '---:', '---:'));
    for (const d of domains) L.push(row(d, num(c.loss.exported?.[d]?.natsPerToken, 4), num(c.loss.exported?.[d]?.bitsPerByte, 4), num(c.loss.original?.[d]?.natsPerToken, 4)));
  }
  L.push('', '## Checks', '');
  L.push(`Compaction: the exported weights give the source model's logits within ${c.report.check.maxAbsDiff.toExponential(2)} on ${c.report.check.inputs} random tokens.`);
  for (const r of (c.report.runtimeChecks ?? []) as Partial<DecoderRuntimeCheck>[]) {
    L.push(r.maxAbsDiff === null || r.maxAbsDiff === undefined
      ? `The ${r.format} files were not run: ${r.skipped ?? 'no runtime'}.`
      : `The ${r.format} files, run by ${r.runtime}${r.version ? ` ${r.version}` : ''} on ${r.inputs} random tokens${r.withPastMaxAbsDiff !== undefined && r.withPastMaxAbsDiff !== null ? ' (whole sequences, and prefix + rest through the key/value cache)' : ''}, give the source model's logits within ${r.maxAbsDiff.toExponential(2)}${r.scale ? ` (largest logit ${r.scale.toFixed(2)})` : ''}.`);
  }
  L.push('', '## Loading the files', '', row('format', 'files', 'loaded by'), row('---', '---', '---'));
  for (const l of c.loaders) L.push(row(l.format, l.files.join(', '), l.loadedBy));
  if (c.hfPaddedNeurons) {
    L.push('', `The layers keep different MLP widths (${c.model.config.mlp.join(', ')}); config.json has one \`intermediate_size\`, so the hf files pad every layer to ${Math.max(...c.model.config.mlp)} with ${c.hfPaddedNeurons.toLocaleString('en-US')} zero neurons. A zero neuron adds nothing: the padded model computes the same logits, and every loader above (Hugging Face transformers, Whittle's import) accepts it. The ONNX graph has the compact widths.`);
  }
  L.push('', 'ONNX inputs: `input_ids`, `attention_mask` (int64 [batch, sequence]; the mask covers past + new tokens), `past_key_values.<layer>.key|value` (float32 [batch, kv heads, past, head dim]; empty on the first call). Outputs: `logits` [batch, sequence, vocab] and `present.<layer>.key|value`. Positions come from `attention_mask` (cumulative sum − 1).');
  L.push('', row('format', 'file', 'bytes', 'sha256'), row('---', '---', '---:', '---'));
  for (const f of c.files) L.push(row(f.format, f.name, num(f.bytes), `\`${f.sha256.slice(0, 16)}…\``));
  L.push('', '## Reproducibility', '');
  L.push(`- seed: ${c.seed ?? '–'}`, `- spec sha256: \`${c.specSha256}\``, `- Whittle ${c.whittleVersion}`, `- exported ${c.exportedAt}`, '');
  return L.join('\n');
}
