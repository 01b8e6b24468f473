// Logits of every supported architecture against PyTorch implementations of the same conventions
// (scripts/hf_fixtures.py), on tiny random checkpoints in the Hugging Face layout.
import { beforeAll, describe, expect, it } from 'vitest';
import { hfFixture, HF_FIXTURE_NAMES } from '../../../../../test/helpers/hfFixtures';
import { need } from '../../../../../test/helpers/prereqs';
import { initBackend } from '../../../engine/backend';
import { tf, type Tensor2D } from '../../../engine/tf';
import { Transformer } from '../model';
import { readHfFolder } from './read';

const hasTorch = need('torch', import.meta.url);
beforeAll(async () => { await initBackend('cpu'); });

/** max |a − b| / max |b|. */
function relErr(a: ArrayLike<number>, b: number[]): number {
  let diff = 0; let scale = 0;
  for (let i = 0; i < b.length; i++) { diff = Math.max(diff, Math.abs(a[i] - b[i])); scale = Math.max(scale, Math.abs(b[i])); }
  return diff / scale;
}

describe.skipIf(!hasTorch)('decoder forward vs PyTorch', () => {
  for (const name of HF_FIXTURE_NAMES) {
    it(`${name}: logits within 1e-4 relative`, async () => {
      const { dir, ref } = hfFixture(name);
      const r = await readHfFolder(dir);
      const before = tf.memory().numTensors;
      const model = new Transformer(r.weights, { releaseHostWeights: true });
      const T = ref.ids.length;
      const logits = tf.tidy(() => model.forward(tf.tensor2d(ref.ids, [1, T], 'int32') as Tensor2D).dataSync());
      const err = relErr(logits, ref.logits.flat());
      expect(logits.length).toBe(T * r.weights.config.vocab);
      expect(err).toBeLessThanOrEqual(1e-4);
      if (process.env.WHITTLE_HF_PARITY_LOG) console.log(`parity ${name}: ${err.toExponential(2)}`);
      // the check can fail: the same weights with positions shifted by one disagree
      const shifted = tf.tidy(() => model.forward(tf.tensor2d([ref.ids[0], ...ref.ids.slice(0, T - 1)], [1, T], 'int32') as Tensor2D).dataSync());
      expect(relErr(shifted.subarray(r.weights.config.vocab), ref.logits.slice(0, T - 1).flat())).toBeGreaterThan(1e-3);
      model.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});
