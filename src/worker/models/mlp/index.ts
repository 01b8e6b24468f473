// The `mlp` family (models/family.ts): MaskableMlp, a fully connected classifier whose hidden
// units are the prunable units.
import type { ModelFamily } from '../family';
import { compactMlp } from './compact';
import { mlpConfig } from './config';
import { decodeMlpFile, encodeMlp } from './file';
import { countParams, initWeights, layerDims, MaskableMlp, type MlpConfig, type MlpWeights } from './model';
import { mlpParamDecls } from './params';
import { mlpUnits } from './units';

export const mlpFamily: ModelFamily<MlpConfig, MlpWeights, MaskableMlp> = {
  name: 'mlp',
  archTags: ['mlp'],
  config: (raw, source) => mlpConfig(raw, source),
  paramDecls: mlpParamDecls,
  countParams,
  init: (c, rng) => initWeights(c, rng),
  create: (w) => new MaskableMlp(w),
  weights: (m) => m.toWeightsSync(),
  units: mlpUnits,
  compact: compactMlp,
  encode: (w, metadata) => encodeMlp(w, metadata),
  decode: (buf, source) => decodeMlpFile(buf, source),
  describe(w) {
    const kept = w.masks.map((m) => m.reduce((s, v) => s + (v !== 0 ? 1 : 0), 0));
    return {
      family: 'mlp',
      architecture: `mlp ${layerDims(w.config).join('→')} (${w.config.activation})`,
      params: countParams(w.config),
      widths: kept,
      inputs: { kind: 'features', size: w.config.inputs },
      outputs: w.config.outputs,
    };
  },
};
