// The decoder as compression sees it (models/units.ts UnitModel): prunable layers are the MLP
// layers. Unit j of layer l owns every parameter slice with the axis 'f<l>' in paramDecls:
// column j of mlp.wg (gated MLPs) and mlp.wi, entry j of bg/bi (bias.mlp), row j of mlp.wo. So a
// gated Llama-style MLP prunes its gate with its up projection, and a bias-free one has no bias
// slice. Group lasso, selection, magnitude and random scores work through this adapter unchanged.
import type { Tensor2D } from '../../engine/tf';
import { unitSlicesFromDecls, type UnitModel } from '../units';
import type { Transformer } from './model';

export function transformerUnits(model: Transformer): UnitModel {
  return {
    widths: model.config.mlp,
    masks: model.masks.mlp,
    setMask: (layer, mask) => model.setMlpMask(layer, mask),
    applyMasks: () => model.applyMasks(),
    // x: token ids [B, T]; logits [B·T, V]; hooks see [B·T, F_l]
    forward: (x: Tensor2D, hooks) => model.forward(x, hooks ?? {}),
    slices: (layer, group) => unitSlicesFromDecls(model.decls, layer, group, (name) => model.vars[name]),
    params: () => model.params(),
    activeUnits: () => model.activeNeurons(),
  };
}
