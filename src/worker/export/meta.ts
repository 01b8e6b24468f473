// What every exported file says about itself, whatever the format: one flat string map, so
// ONNX metadata_props, safetensors __metadata__ and the tfjs model.json carry the same facts.
import type { MlpWeights } from '../models/mlp/model';

export interface ExportMeta {
  /** Display name of the exported model (the source run's name). */
  name: string;
  sourceRun: string;
  /** Canonical key of the skill the model is for, or null when the source run names none. */
  skill: string | null;
  skillsRemoved: string[];
  whittleVersion: string;
  specHash: string;
  /** ISO date of the export. */
  exportedAt: string;
}

/** Facts about the network itself, derived from its weights. */
export function archMeta(w: MlpWeights): Record<string, string> {
  return {
    'whittle.arch': 'mlp',
    'whittle.config': JSON.stringify(w.config),
    // Spell out the computation so a reader needs no Whittle code to run the file.
    'whittle.forward': `h = ${w.config.activation}(x @ W + b) for each hidden layer; logits = h @ W + b (no softmax); W is [in, out]`,
  };
}

export function metaProps(meta: ExportMeta, w: MlpWeights): Record<string, string> {
  return {
    ...archMeta(w),
    'whittle.name': meta.name,
    'whittle.source_run': meta.sourceRun,
    'whittle.skill': meta.skill ?? '',
    'whittle.skills_removed': JSON.stringify(meta.skillsRemoved),
    'whittle.version': meta.whittleVersion,
    'whittle.spec_sha256': meta.specHash,
    'whittle.exported_at': meta.exportedAt,
  };
}
