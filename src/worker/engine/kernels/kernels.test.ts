// Whittle's wasm kernel registrations against the cpu backend's reference kernels, values and
// gradients, on both routes (native addon when built, wasm-only always).
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectMatch, on, type Fn } from '../../../../test/helpers/backendOracle';
import { Rng } from '../rng';
import { tf, type Tensor } from '../tf';
import { initWeights, MaskableMlp } from '../../models/mlp/model';
import { adamUpdate, dense, fusedMlpAvailable, installKernels, softmaxCrossEntropy, uninstallKernels } from './index';
import { loadNative, type NativeGemm } from './native';
import { SOFTMAX_CE_GRAD } from './fusedKernels';
import { runKernel } from './ops';

/** Random 0/1 values (about a third ones). */
function bits(shape: number[], seed: number): Tensor {
  const r = new Rng(seed);
  return tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (r.next() < 1 / 3 ? 1 : 0)), shape);
}

function rand(shape: number[], seed: number, lo = -1, hi = 1): Tensor {
  const r = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => r.uniform(lo, hi)), shape);
}

// wasm-only always; with the addon, each GEMM it can route to: its AVX-512 kernel (where the CPU
// has it), the loaded BLAS, and its built-in GEMM (the fallback where no BLAS library is found).
const routes: { name: string; native: boolean; gemm?: NativeGemm }[] = [{ name: 'wasm-only', native: false }];
const addon = loadNative();
if (addon) {
  const gemms: NativeGemm[] = [];
  for (const g of ['avx512', 'blas', 'builtin'] as const) if (addon.useGemm(g) === g) gemms.push(g);
  addon.useGemm('auto');
  for (const g of gemms) routes.push({ name: `native, ${g} GEMM`, native: true, gemm: g });
}

beforeAll(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
  await tf.setBackend('cpu');
  await tf.ready();
});
afterAll(() => uninstallKernels('wasm'));

describe.each(routes)('wasm kernels ($name route)', ({ native, gemm }) => {
  beforeAll(() => {
    uninstallKernels('wasm');
    if (gemm) expect(loadNative()!.useGemm(gemm)).toBe(gemm);
    const info = installKernels('wasm', { native, threads: 2 });
    expect(info.native).toBe(native);
    if (gemm) expect(info.gemm).toBe(gemm);
  });
  afterAll(() => loadNative()?.useGemm('auto'));

  it.each([[false, false], [true, false], [false, true], [true, true]])('matMul transposeA=%s transposeB=%s', async (ta, tb) => {
    const [M, K, N] = [37, 53, 29];
    await expectMatch(() => tf.matMul(rand(ta ? [K, M] : [M, K], 1), rand(tb ? [N, K] : [K, N], 2), ta, tb));
  });

  it('batched and broadcast matMul', async () => {
    await expectMatch(() => tf.matMul(rand([3, 5, 7], 3), rand([3, 7, 4], 4)));
    await expectMatch(() => tf.matMul(rand([3, 7, 5], 3), rand([1, 4, 7], 4), true, true));
    await expectMatch(() => tf.matMul(rand([1, 5, 7], 3), rand([2, 3, 7, 4], 4)));
    // attention-sized batches, which threads share by whole entries (native route)
    await expectMatch(() => tf.matMul(rand([4, 4, 64, 32], 3), rand([4, 4, 64, 32], 4), false, true));
    await expectMatch(() => tf.matMul(rand([9, 60, 64], 3), rand([9, 60, 32], 4), true, false));
    await expectMatch(() => tf.matMul(rand([40, 60, 48], 3), rand([48, 32], 4)));
    // general batch broadcasting ([2,1] × [1,3]) goes to the original kernel
    await expectMatch(() => tf.matMul(rand([2, 1, 5, 7], 3), rand([1, 3, 7, 4], 4)));
  });

  it('fused matMul + bias + relu, values and gradients', async () => {
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
      const a = () => rand(ta ? [1, 19, 31] : [1, 31, 19], 5);
      const b = () => rand(tb ? [1, 23, 19] : [1, 19, 23], 6);
      const bias = () => rand([23], 7);
      await expectMatch(() => tf.fused.matMul({ a: a(), b: b(), bias: bias(), activation: 'relu', transposeA: ta, transposeB: tb }));
      await expectMatch(() => {
        const g = tf.grads((x: Tensor, w: Tensor, c: Tensor) =>
          tf.sum(tf.square(tf.fused.matMul({ a: x, b: w, bias: c, activation: 'relu', transposeA: ta, transposeB: tb }) as Tensor)));
        return g([a(), b(), bias()]);
      });
    }
  });

  it('MLP softmax-CE loss gradients equal the cpu backend', async () => {
    const fn = () => {
      const model = MaskableMlp.create({ inputs: 12, hidden: [16, 16], outputs: 3, activation: 'relu' }, new Rng(9));
      const x = rand([40, 12], 10, 0, 1) as tf.Tensor2D;
      const y = tf.oneHot(tf.tensor1d(Int32Array.from({ length: 40 }, (_, i) => i % 3), 'int32'), 3);
      const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, model.forward(x)) as tf.Scalar, model.params());
      const out = [value, ...model.params().map((p) => grads[p.name])];
      model.dispose();
      return out;
    };
    await expectMatch(fn);
  });

  // The fused MLP (native route only; elsewhere forward() composes dense() and this compares the
  // composition with itself). Cases: several row blocks per thread (1001 rows → 251-row blocks),
  // uneven thread split, one thread (< 128 rows), no hidden layer, masked units, a deep narrow net.
  // Inputs: uniform floats, or 0/1 bits as the CMSP task feeds them.
  it.each([
    { hidden: [300, 40], batch: 1001, masked: false, input: 'float' },
    { hidden: [300, 40], batch: 1001, masked: true, input: 'bits' },
    { hidden: [16, 16], batch: 37, masked: true, input: 'bits' },
    { hidden: [], batch: 70, masked: false, input: 'float' },
    { hidden: [8, 8, 8, 8], batch: 200, masked: false, input: 'float' },
  ])('fused MLP $hidden × $batch rows (masked: $masked, $input): logits, loss and every gradient', async ({ hidden, batch, masked, input }) => {
    const weights = initWeights({ inputs: 13, hidden, outputs: 3, activation: 'relu' }, new Rng(31));
    if (masked) weights.masks.forEach((m) => { for (let j = 0; j < m.length; j += 3) m[j] = 0; });
    const labels = () => tf.tensor1d(Int32Array.from({ length: batch }, (_, i) => (i * 5) % 3), 'int32');
    await tf.setBackend('wasm');
    expect(fusedMlpAvailable()).toBe(native);
    await expectMatch(() => {
      const model = new MaskableMlp(weights);
      const x = (input === 'float' ? rand([batch, 13], 32, 0, 1) : bits([batch, 13], 32)) as tf.Tensor2D;
      const logits = model.forward(x);
      const { value, grads } = tf.variableGrads(() => softmaxCrossEntropy(model.forward(x), labels()), model.params());
      const out = [logits, value, ...model.params().map((p) => grads[p.name])];
      model.dispose();
      return out;
    }, 2e-5);
  });

  it('fused MLP: the input gets its gradient when it needs one (variable, or a taped op upstream)', async () => {
    const weights = initWeights({ inputs: 7, hidden: [20], outputs: 2, activation: 'relu' }, new Rng(33));
    await expectMatch(() => {
      const model = new MaskableMlp(weights);
      const v = tf.variable(rand([150, 7], 34));
      const { grads } = tf.variableGrads(() => tf.sum(tf.square(model.forward(v as Tensor as tf.Tensor2D))) as tf.Scalar, [v, ...model.params()]);
      const { grads: viaOp } = tf.variableGrads(() => tf.sum(model.forward(tf.mul(v, 2) as tf.Tensor2D)) as tf.Scalar, [v]);
      const out = [grads[v.name], ...model.params().map((p) => grads[p.name]), viaOp[v.name]];
      model.dispose();
      v.dispose();
      return out;
    }, 2e-5);
  });

  it('Sum over leading axes (bias gradient) and the cases it delegates', async () => {
    await expectMatch(() => tf.sum(rand([301, 17], 11), 0));
    await expectMatch(() => tf.sum(rand([4, 9, 17], 12), [0, 1]));
    await expectMatch(() => tf.sum(rand([4, 9, 17], 12), [1, 0], true));
    await expectMatch(() => tf.sum(rand([4, 9, 17], 13), 1)); // not leading: original kernel
    await expectMatch(() => tf.sum(rand([4, 9], 14))); // all axes: original kernel
    await expectMatch(() => tf.cast(tf.sum(tf.tensor2d([[1, 2], [3, 4]], [2, 2], 'int32'), 0), 'float32'));
  });

  it.each(['relu', 'linear', 'tanh'] as const)('fused dense (%s): values and gradients', async (act) => {
    const args = () => [rand([33, 21], 20) as tf.Tensor2D, rand([21, 17], 21) as tf.Tensor2D, rand([17], 22) as tf.Tensor1D] as const;
    await expectMatch(() => { const [x, W, b] = args(); return dense(x, W, b, act); });
    await expectMatch(() => {
      const [x, W, b] = args();
      return tf.grads((xx: Tensor, ww: Tensor, bb: Tensor) => tf.sum(tf.square(dense(xx as tf.Tensor2D, ww as tf.Tensor2D, bb as tf.Tensor1D, act))))([x, W, b]);
    });
    // data input: only the parameters get gradients (the dx product is skipped)
    await expectMatch(() => {
      const [x, W, b] = args();
      const [vW, vb] = [tf.variable(W), tf.variable(b)];
      const { value, grads } = tf.variableGrads(() => tf.sum(dense(x, vW, vb, act)) as tf.Scalar, [vW, vb]);
      const out = [value, grads[vW.name], grads[vb.name]];
      tf.dispose([vW, vb]);
      return out;
    });
  });

  it('fused softmax cross-entropy: value and gradient', async () => {
    const labels = () => tf.tensor1d(Int32Array.from({ length: 50 }, (_, i) => (i * 7) % 3), 'int32');
    await expectMatch(() => softmaxCrossEntropy(tf.mul(rand([50, 3], 23), 8) as tf.Tensor2D, labels()));
    await expectMatch(() => tf.grad((z: Tensor) => softmaxCrossEntropy(z as tf.Tensor2D, labels()))(tf.mul(rand([50, 3], 24), 8)));
    await expectMatch(() => tf.grad((z: Tensor) => tf.mul(softmaxCrossEntropy(z as tf.Tensor2D, labels()), 3))(rand([50, 3], 25)));
  });

  it('fused softmax cross-entropy names a label outside the classes (loss and gradient kernels), leaving nothing behind', async () => {
    await tf.setBackend('wasm');
    const dataIds = () => (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
    const tensors = tf.memory().numTensors, ids = dataIds();
    expect(() => tf.tidy(() => softmaxCrossEntropy(tf.zeros([2, 4]) as tf.Tensor2D, tf.tensor1d([1, 4], 'int32')))).toThrow(/label 4 at row 1 is outside the 4 classes/);
    expect(() => tf.tidy(() => runKernel(SOFTMAX_CE_GRAD, { dy: tf.scalar(1), logits: tf.zeros([2, 4]), labels: tf.tensor1d([-1, 0], 'int32') })))
      .toThrow(/label -1 at row 0 is outside the 4 classes/);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(dataIds()).toBe(ids);
    await tf.setBackend('cpu');
  });

  it.each([[0, false], [0.01, false], [0.01, true]] as const)('fused Adam update (weightDecay %s, decoupled %s)', async (wd, decoupled) => {
    const s = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-5, bc1: 1 - 0.9 ** 3, bc2: 1 - 0.999 ** 3, weightDecay: wd, decoupled };
    await expectMatch(() => adamUpdate(rand([40, 9], 26), rand([40, 9], 27, -0.1, 0.1), rand([40, 9], 28, 0, 0.01), rand([40, 9], 29), s), 1e-6);
  });

  it('Identity shares the buffer: a clone outlives its source, and nothing leaks', async () => {
    await tf.setBackend('wasm');
    const ids = () => (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
    const before = ids();
    const a = tf.tensor1d([1, 2, 3]);
    const b = tf.clone(a);
    a.dispose();
    expect(Array.from(b.dataSync())).toEqual([1, 2, 3]);
    b.dispose();
    expect(ids()).toBe(before);
    // a variable re-pointed by assign must not change a clone taken earlier
    const v = tf.tidy(() => tf.variable(tf.tensor1d([1, 1])));
    const c = tf.clone(v);
    tf.tidy(() => v.assign(tf.tensor1d([5, 5])));
    expect(Array.from(c.dataSync())).toEqual([1, 1]);
    expect(Array.from(v.dataSync())).toEqual([5, 5]);
    tf.dispose([v, c]);
    expect(ids()).toBe(before);
  });

  it('UnsortedSegmentSum and the gradient of gather (embeddings)', async () => {
    const ids = () => tf.tensor1d([3, 0, 3, 5, 1, 0, -1, 7], 'int32');
    await expectMatch(() => tf.unsortedSegmentSum(rand([8, 6], 15), ids(), 6));
    await expectMatch(() => tf.cast(tf.unsortedSegmentSum(tf.tensor1d([1, 2, 3, 4, 5, 6, 7, 8], 'int32'), ids(), 4), 'float32'));
    await expectMatch(() => {
      const idx = tf.tensor2d([[1, 4, 1], [0, 9, 4]], [2, 3], 'int32');
      return tf.grad((table: Tensor) => tf.sum(tf.square(tf.gather(table, idx))))(rand([10, 5], 16));
    });
  });

  it('gather along axis 0 (rows copied on the heap) and the cases it delegates', async () => {
    const idx = () => tf.tensor2d([[1, 4, 1], [0, 9, 4]], [2, 3], 'int32');
    await expectMatch(() => tf.gather(rand([10, 5], 17), idx())); // repeated rows, 2-D indices
    await expectMatch(() => tf.gather(rand([10, 2, 3], 18), tf.tensor1d([9, 0], 'int32'))); // rank-3 table
    await expectMatch(() => tf.gather(rand([10], 19), idx())); // scalar rows
    await expectMatch(() => tf.gather(rand([4, 10], 20), idx(), 1)); // another axis: the original kernel
    await expectMatch(() => tf.cast(tf.gather(tf.tensor2d([[1, 2], [3, 4]], [2, 2], 'int32'), tf.tensor1d([1, 1, 0], 'int32')), 'float32'));
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    expect(() => tf.tidy(() => tf.gather(rand([3, 2], 21), tf.tensor1d([0, 3], 'int32')))).toThrow(/index value 3 is not in \[0, 2\]/);
    expect(tf.memory().numTensors).toBe(before);
    await tf.setBackend('cpu');
  });
});
