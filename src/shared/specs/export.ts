// Export a finished run's model for use outside Whittle: TF.js LayersModel, ONNX, safetensors,
// each next to a model card and a size/speed report. The export is its own (short) run so it goes
// through the worker like every other job; the service records the files on the source run.
import { z } from 'zod';
import { int, RunInputs, Seed } from './common';

export const EXPORT_FORMATS = ['tfjs', 'onnx', 'safetensors'] as const;
export const ExportFormat = z.enum(EXPORT_FORMATS);
export type ExportFormat = z.infer<typeof ExportFormat>;

/** `all` or one format name (what the CLI's --format and the GUI dialog offer) → formats. */
export function expandFormats(arg: string): ExportFormat[] {
  if (arg === 'all') return [...EXPORT_FORMATS];
  const parts = arg.split(',').map((s) => s.trim()).filter(Boolean);
  for (const p of parts) {
    if (!(EXPORT_FORMATS as readonly string[]).includes(p)) throw new Error(`unknown export format '${p}' (use ${EXPORT_FORMATS.join(', ')} or all)`);
  }
  if (!parts.length) throw new Error(`no export format given (use ${EXPORT_FORMATS.join(', ')} or all)`);
  return [...new Set(parts)] as ExportFormat[];
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
  formats: z.array(ExportFormat).min(1).default([...EXPORT_FORMATS]),
  /** Destination folder, an absolute path (the CLI resolves a relative --out against its cwd). */
  out: z.string().min(1),
  /** The allowed folder `out` lies in, set by the service from its folder limit (any value a caller
   *  gives is replaced); the worker re-checks that `out` resolves inside it right before writing. */
  within: z.string().min(1).optional(),
  /** Replace earlier export files in a non-empty destination (other files there are left alone). */
  force: z.boolean().default(false),
  /** Physically remove masked units before writing (what makes the export small and fast). */
  compact: z.boolean().default(true),
  /** ONNX opset to stamp (17–26); the graph uses only Gemm, Relu and Tanh. */
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
  formats?: ExportFormat[] | string;
  /** Destination folder; must be absolute (the CLI resolves a relative --out against its cwd). */
  out: string;
  force?: boolean;
  compact?: boolean;
  onnxOpset?: number;
}
