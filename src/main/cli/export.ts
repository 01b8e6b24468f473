// `whittle export RUN --format FMT --out DIR [--force]`: writes the run's compacted model, a model
// card and a size/speed report, through an export run like the GUI's. MLPs: tfjs, onnx, safetensors;
// decoder language models (lm runs, imported checkpoints): hf, onnx, transformersjs.
import path from 'node:path';
import { UsageError } from './args';
import { type Command, EXIT } from './command';
import { exitCodeFor, followRuns, printJson, table } from './output';

interface ExportSummary {
  dir: string;
  files: { format: string; name: string; bytes: number }[];
  report: {
    backend: string;
    original: { runId: string | null; params: number; units: number; bytes: Record<string, number>; latencyMs: Record<string, number> };
    compact: { params: number; units: number; bytes: Record<string, number>; latencyMs: Record<string, number> };
  };
}

const fmt = (v: number | undefined, digits = 0) => (v === undefined ? '–' : v.toLocaleString('en-US', { maximumFractionDigits: digits }));

function reportTable(s: ExportSummary): string {
  const { original: o, compact: c } = s.report;
  const decoder = s.files.some((f) => f.format === 'hf' || f.format === 'transformersjs' || f.name.startsWith('onnx/'));
  const rows = [['', o.runId ? `original (${o.runId})` : 'original', 'exported'],
    [decoder ? 'MLP neurons' : 'hidden units', fmt(o.units), fmt(c.units)], ['parameters', fmt(o.params), fmt(c.params)]];
  for (const f of Object.keys(c.bytes)) rows.push([`bytes, ${f}`, fmt(o.bytes[f]), fmt(c.bytes[f])]);
  for (const b of Object.keys(c.latencyMs)) rows.push([decoder ? `ms, ${b}` : `ms, batch ${b}`, fmt(o.latencyMs[b], 3), fmt(c.latencyMs[b], 3)]);
  return table(rows);
}

export const exportCommand: Command = {
  name: 'export',
  summary: 'export a finished run\'s compacted model (MLP: TF.js, ONNX, safetensors; language model: Hugging Face, ONNX, transformers.js) with a model card',
  usage: 'whittle export RUN --format tfjs|onnx|safetensors|hf|transformersjs|all --out DIR [--force]',
  options: [
    { name: 'format', type: 'string', valueName: 'FMT', description: 'MLPs: tfjs, onnx, safetensors; language models: hf, onnx, transformersjs; a comma list, or all (default all: every format of the model)' },
    { name: 'out', type: 'string', valueName: 'DIR', description: 'destination folder (created; must be empty unless --force)' },
    { name: 'force', type: 'boolean', description: 'write into a non-empty folder, replacing earlier export files there' },
    { name: 'opset', type: 'number', valueName: 'N', description: 'ONNX opset, 17–26 (default 21)' },
    { name: 'compact', type: 'boolean', description: 'remove masked units before writing (default; --no-compact keeps them, zeroed)' },
  ],
  async run(ctx) {
    const [runId, ...extra] = ctx.args.positionals;
    if (!runId) throw new UsageError('which run? (whittle export RUN --out DIR)');
    if (extra.length) throw new UsageError(`unexpected argument '${extra[0]}'`);
    const o = ctx.args.options as { format?: string; out?: string; force?: boolean; opset?: number; compact?: boolean };
    if (!o.out) throw new UsageError('--out DIR is required');
    const svc = ctx.service();
    // The same call the GUI's export dialog makes.
    const run = await svc.exportRun(runId, {
      formats: o.format ?? 'all', out: path.resolve(o.out), force: o.force, compact: o.compact, onnxOpset: o.opset,
    });
    const [end] = await followRuns(ctx, [run.id]);
    const summary = end.summary as unknown as ExportSummary | null;
    if (ctx.json) {
      printJson(ctx.io, { runId: end.id, source: runId, status: end.status, error: end.error, ...(summary ?? {}) });
    } else if (end.status === 'done' && summary) {
      ctx.io.out(`exported ${runId} to ${summary.dir}\n\n${table([['FORMAT', 'FILE', 'BYTES'], ...summary.files.map((f) => [f.format, f.name, fmt(f.bytes)])])}\n\n${reportTable(summary)}\n(latency: median ms per forward pass on ${summary.report.backend})\n`);
    } else {
      ctx.io.err(`whittle export: ${end.error ?? end.status} (export run ${end.id})\n`);
    }
    return end.status === 'done' ? EXIT.ok : exitCodeFor([end]);
  },
};
