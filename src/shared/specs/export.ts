// Export a finished run's model for use outside Whittle, next to a model card and a size/speed
// report. MLPs: TF.js LayersModel, ONNX, safetensors. Decoder language models (lm runs, imported
// checkpoints): a Hugging Face folder, ONNX with a KV cache, and a transformers.js folder. The export
// is its own (short) run so it goes through the worker like every other job; the service records
// the files on the source run.
import { z } from 'zod';
import { int, RunInputs, Seed } from './common';

export const MLP_EXPORT_FORMATS = ['tfjs', 'onnx', 'safetensors'] as const;
export const DECODER_EXPORT_FORMATS = ['hf', 'onnx', 'transformersjs'] as const;
export const EXPORT_FORMATS = ['tfjs', 'onnx', 'safetensors', 'hf', 'transformersjs'] as const;
export const ExportFormat = z.enum(EXPORT_FORMATS);
export type ExportFormat = z.infer<typeof ExportFormat>;
/** A format, or `all`: every format of the model's family (resolved once the family is known). */
export type ExportFormatArg = ExportFormat | 'all';

export type ModelFamily = 'mlp' | 'decoder';
/** The family of the model a run of `kind` holds: lm runs and imported checkpoints are decoders. */
export function modelFamilyOfKind(kind: string): ModelFamily {
  return kind === 'lm' || kind === 'importModel' ? 'decoder' : 'mlp';
}
export function exportFormatsFor(family: ModelFamily): readonly ExportFormat[] {
  return family === 'decoder' ? DECODER_EXPORT_FORMATS : MLP_EXPORT_FORMATS;
}

/** What the CLI's --format and the GUI dialog give (`all`, a name, a comma list) → formats. With
 *  the model's family, `all` becomes that family's formats and a format of the other family is an
 *  error; without it `all` stays for the worker to resolve. */
export function expandFormats(arg: string, family?: ModelFamily): ExportFormatArg[] {
  const parts = [...new Set(arg.split(',').map((s) => s.trim()).filter(Boolean))];
  const known = family ? exportFormatsFor(family) : EXPORT_FORMATS;
  const use = `use ${known.join(', ')} or all`;
  if (!parts.length) throw new Error(`no export format given (${use})`);
  for (const p of parts) {
    if (p === 'all') continue;
    if (!(EXPORT_FORMATS as readonly string[]).includes(p)) throw new Error(`unknown export format '${p}' (${use})`);
    if (!(known as readonly string[]).includes(p)) throw new Error(`format '${p}' is for ${family === 'mlp' ? 'decoder language' : 'MLP'} models; this run holds ${family === 'mlp' ? 'an MLP' : 'a decoder language model'} (${use})`);
  }
  if (parts.includes('all')) return family ? [...exportFormatsFor(family)] : ['all'];
  return parts as ExportFormat[];
}

export const ExportSpec = z.object({
  kind: z.literal('export'),
  name: z.string().optional(),
  /** Seeds the random inputs the latency measurement runs on. */
  seed: Seed,
  /** source: the run whose model.safetensors is exported. original (optional): the model the
   *  size/speed report compares against; default: the source run's own input (the model it was
   *  pruned from, the teacher it was distilled from), else the source model before compaction. */
  inputs: RunInputs.refine((r) => typeof r.source === 'string', { message: 'needs inputs.source: the run whose model is exported' }),
  /** Formats to write; `all` = every format of the source model's family. */
  formats: z.array(z.union([ExportFormat, z.literal('all')])).min(1).default(['all']),
  /** Destination folder, an absolute path (the CLI resolves a relative --out against its cwd). */
  out: z.string().min(1),
  /** The allowed folder `out` lies in, set by the service from its folder limit (any value a caller
   *  gives is replaced); the worker re-checks that `out` resolves inside it right before writing. */
  within: z.string().min(1).optional(),
  /** Replace earlier export files in a non-empty destination (other files there are left alone). */
  force: z.boolean().default(false),
  /** Physically remove masked units before writing (what makes the export small and fast). Decoder
   *  models are always compacted (masked residual dimensions change LayerNorm statistics, which a
   *  file without masks cannot express); false is refused for a masked decoder. */
  compact: z.boolean().default(true),
  /** ONNX opset to stamp (17–26). MLPs use only Gemm, Relu and Tanh; decoders need 17
   *  (LayerNormalization). */
  onnxOpset: int(17).max(26).default(21),
  latency: z.object({
    batches: z.array(int(1)).min(1).default([1, 256]),
    /** Timed forward passes per batch size (after warm-up); the report gives their median. */
    repeats: int(1).default(20),
  }).strict().default({ batches: [1, 256], repeats: 20 }),
}).strict();
export type ExportSpec = z.infer<typeof ExportSpec>;

/** What the GUI's export dialog and `whittle export` send (api.exportRun(runId, options)); the
 *  service checks it and turns it into an ExportSpec run. */
export interface ExportRunOptions {
  /** 'all', a format name, a comma list, or an array of formats. Default: all. */
  formats?: ExportFormatArg[] | string;
  /** Destination folder; must be absolute (the CLI resolves a relative --out against its cwd). */
  out: string;
  force?: boolean;
  compact?: boolean;
  onnxOpset?: number;
}
