// Sizes of a narrowed decoder: neurons kept (count or fraction, an error naming prune.keep when
// the source has fewer) and a student's per-layer widths (fraction of each layer, or a total
// spread like the source's widths, at least one neuron per layer), other fields unchanged.
import { describe, expect, it } from 'vitest';
import { decoderConfig } from './config';
import { keptNeurons, spreadNeurons, studentConfig } from './lmShape';

describe('lm shapes', () => {
  it('counts the neurons a prune keeps', () => {
    expect(keptNeurons([24, 24], { keep: 10 })).toBe(10);
    expect(keptNeurons([24, 24], { keepFraction: 0.25 })).toBe(12);
    expect(keptNeurons([3], { keepFraction: 0.01 })).toBe(1);
    expect(() => keptNeurons([24, 24], { keep: 49 })).toThrow(/prune\.keep: 49 neurons is more than the source model has \(48 in 2 layers\)/);
  });

  it('shapes a student like its source', () => {
    const src = decoderConfig({ vocab: 300, context: 64, dModel: 16, heads: 4, headDim: 4, mlp: [40, 20], kvHeads: 2, norm: 'rmsnorm', gatedMlp: true, tiedEmbeddings: false });
    const half = studentConfig(src, { mlpFraction: 0.5 });
    expect(half.mlp).toEqual([20, 10]);
    expect({ ...half, mlp: src.mlp }).toEqual(src);
    expect(studentConfig(src, { mlpTotal: 12 }).mlp).toEqual([8, 4]);
    expect(studentConfig(src, { mlpTotal: 1 }).mlp).toEqual([1, 1]);
    expect(spreadNeurons([10, 10, 10], 30)).toEqual([10, 10, 10]);
  });

  it('gives a student a fraction of the attention-head units (KV groups with their query heads, or query heads per KV head)', () => {
    const gqa = decoderConfig({ vocab: 300, context: 64, dModel: 16, heads: 8, headDim: 2, mlp: [8], kvHeads: 4, norm: 'rmsnorm', gatedMlp: true });
    expect(studentConfig(gqa, { mlpFraction: 1, headsFraction: 0.5 })).toMatchObject({ heads: 4, kvHeads: 2, headDim: 2 });
    expect(studentConfig(gqa, { mlpFraction: 1, headsFraction: 0.5, headGroup: 'query' })).toMatchObject({ heads: 4, kvHeads: 4 });
    expect(studentConfig(gqa, { mlpFraction: 1, headsFraction: 0.01 })).toMatchObject({ heads: 2, kvHeads: 1 }); // at least one unit
    const mha = decoderConfig({ vocab: 300, context: 64, dModel: 16, heads: 4, headDim: 4, mlp: [8] });
    expect(studentConfig(mha, { mlpFraction: 1, headsFraction: 0.5, headGroup: 'query' })).toMatchObject({ heads: 2, kvHeads: 2 });
    expect(studentConfig(mha, { mlpFraction: 1 })).toMatchObject({ heads: 4, kvHeads: 4 });
  });
});
