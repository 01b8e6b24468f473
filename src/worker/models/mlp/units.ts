// MaskableMlp as a UnitModel (models/units.ts): hidden layer h's unit j owns column j of W[h],
// b[h][j] and row j of W[h+1], read off the MLP's parameter declarations like any family's.
import { unitSlicesFromDecls, type UnitModel } from '../units';
import { mlpParamDecls, mlpParamIndex } from './params';
import type { MaskableMlp } from './model';

export function mlpUnits(model: MaskableMlp): UnitModel {
  const decls = mlpParamDecls(model.config);
  return {
    widths: model.config.hidden,
    masks: model.masks,
    setMask: (layer, mask) => model.setMask(layer, mask),
    applyMasks: () => model.applyMasks(),
    forward: (x, hooks) => model.forward(x, hooks ?? {}),
    slices: (layer, group) => unitSlicesFromDecls(decls, layer, group, (name) => {
      const { kind, layer: l } = mlpParamIndex(name);
      return kind === 'weight' ? model.W[l] : model.b[l];
    }),
    params: () => model.params(),
    activeUnits: () => model.activeUnits(),
  };
}
