// The `bench` job: times the engine's real training step (train/step.ts: forward, softmax
// cross-entropy, backward, the project's Adam) for one MLP shape on the worker's backend.
//
// Like the PyTorch reference (bench/torch/torch_mlp_step.py) it reuses one random batch, so the
// figure is the step itself, not data generation. Each step ends with a readback of one weight
// value: tfjs backends may run asynchronously, and the clock must stop when the work is done.
import os from 'node:os';
import type { BenchSpec } from '../../shared/specs';
import { Rng } from '../engine/rng';
import { tf, type Tensor, type Tensor1D, type Tensor2D } from '../engine/tf';
import { adamUpdate, dense, kernelInstall, softmaxCrossEntropy } from '../engine/kernels';
import { MaskableMlp } from '../models/mlp/model';
import type { Batch } from '../tasks/types';
import { createOptimizer } from '../train/optimizers';
import { trainStep } from '../train/step';
import type { Job } from './types';
import { JobCancelled } from '../engine/cancelled';

export interface BenchResult {
  variant: 'engine' | 'per-layer';
  backend: string;
  threads: number;
  /** Native BLAS in use by the wasm kernels, if any. */
  blas: string | null;
  /** GEMM the native kernels ran (avx512 / blas / builtin), if native. */
  gemm: string | null;
  dims: number[];
  batch: number;
  steps: number;
  medianMs: number;
  minMs: number;
  /** Median process CPU time per step (all threads): robust to other load on a shared machine. */
  cpuMs: number;
  samplesPerSec: number;
  /** 6 FLOPs per multiply-accumulate per sample (forward 2, backward 4), as the torch script counts. */
  gflops: number;
  params: number;
}

export type BenchShape = Pick<BenchSpec, 'inputDim' | 'hidden' | 'outputs' | 'batch' | 'steps' | 'warmup' | 'seed'> & {
  /** 'engine' (default): train/step.ts as the train jobs run it (the whole MLP in one fused kernel
   *  where the backend has it). 'per-layer': the same math one fused dense op per layer (+ softmax
   *  CE, Adam) — the route before the whole-MLP kernel, kept to show what that kernel gains. */
  variant?: 'engine' | 'per-layer';
};

const ADAM = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-5, weightDecay: 0, decoupled: false };

/** The per-layer training step (same objective and update as trainStep + Adam). */
function perLayerStepper(model: MaskableMlp) {
  const params = model.params();
  const slots = params.map((p) => [tf.variable(tf.zerosLike(p), false), tf.variable(tf.zerosLike(p), false)]);
  let t = 0;
  return {
    step(batch: Batch): void {
      t++;
      const s = { ...ADAM, bc1: 1 - ADAM.beta1 ** t, bc2: 1 - ADAM.beta2 ** t };
      tf.tidy(() => {
        const x = tf.tensor2d(batch.x, [batch.count, batch.x.length / batch.count]);
        const y = tf.tensor1d(batch.y, 'int32');
        const { grads } = tf.variableGrads(() => {
          let h = x;
          const last = model.W.length - 1;
          for (let l = 0; l <= last; l++) h = dense(h, model.W[l] as Tensor as Tensor2D, model.b[l] as Tensor as Tensor1D, l === last ? 'linear' : 'relu');
          return softmaxCrossEntropy(h, y);
        }, params);
        params.forEach((p, i) => {
          const [p2, m2, v2] = adamUpdate(p, slots[i][0], slots[i][1], grads[p.name], s);
          p.assign(p2); slots[i][0].assign(m2); slots[i][1].assign(v2);
        });
      });
    },
    dispose(): void { slots.flat().forEach((v) => v.dispose()); },
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Time `steps` training steps (after `warmup`) on the current tf backend. Leaks no tensors. */
export async function timeTrainSteps(spec: BenchShape, onStep?: (done: number, total: number) => boolean | void): Promise<BenchResult> {
  const rng = new Rng(spec.seed);
  const model = MaskableMlp.create({ inputs: spec.inputDim, hidden: spec.hidden, outputs: spec.outputs, activation: 'relu' }, rng);
  const opt = createOptimizer({ name: 'adam', ...ADAM }, model.params());
  const fused = spec.variant === 'per-layer' ? perLayerStepper(model) : null;
  const batch: Batch = { x: new Float32Array(spec.batch * spec.inputDim), y: new Int32Array(spec.batch), count: spec.batch };
  rng.fillBits(batch.x);
  for (let i = 0; i < spec.batch; i++) batch.y[i] = rng.int(spec.outputs);
  const times: number[] = [];
  const cpu: number[] = [];
  const total = spec.warmup + spec.steps;
  const probe = model.b[model.b.length - 1];
  try {
    for (let i = 0; i < total; i++) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      if (fused) fused.step(batch);
      else trainStep(model, opt, batch);
      await probe.data(); // wait for the update to finish (a 2-float readback)
      if (i >= spec.warmup) {
        times.push(performance.now() - t0);
        const c = process.cpuUsage(c0);
        cpu.push((c.user + c.system) / 1000);
      }
      if (onStep?.(i + 1, total) === false) break;
    }
  } finally {
    opt.dispose();
    fused?.dispose();
    model.dispose();
  }
  if (!times.length) throw new Error('bench stopped before any timed step');
  const dims = model.dims;
  let macs = 0;
  for (let l = 0; l + 1 < dims.length; l++) macs += dims[l] * dims[l + 1];
  const med = median(times);
  const name = tf.getBackend();
  const k = kernelInstall(name);
  return {
    variant: spec.variant ?? 'engine',
    backend: name,
    threads: k?.native ? k.threads : 1,
    blas: k?.native ? k.blas : null,
    gemm: k?.native ? k.gemm : null,
    dims, batch: spec.batch, steps: times.length,
    medianMs: round(med), minMs: round(Math.min(...times)), cpuMs: round(median(cpu)),
    samplesPerSec: Math.round((spec.batch / med) * 1000),
    gflops: round((6 * macs * spec.batch) / med / 1e6),
    params: model.paramCount(),
  };
}

const round = (x: number) => Math.round(x * 100) / 100;

export const benchJob: Job<BenchSpec> = async (ctx) => {
  const { spec } = ctx;
  ctx.log(`bench ${[spec.inputDim, ...spec.hidden, spec.outputs].join('→')} batch ${spec.batch} on ${ctx.backend.backend}`);
  const onStep = (done: number, total: number) => {
    ctx.progress(done, total, done <= spec.warmup ? 'warmup' : 'timing');
    return !ctx.cancelled();
  };
  // stopped during the warm-up there is nothing to report: the run ends cancelled, not failed
  const r = await timeTrainSteps(spec, onStep).catch((e: unknown) => { throw ctx.cancelled() ? new JobCancelled('the benchmark warm-up') : e; });
  ctx.metrics([
    { step: r.steps, key: 'bench/median_ms', value: r.medianMs, samples: r.steps * r.batch },
    { step: r.steps, key: 'bench/samples_per_s', value: r.samplesPerSec, samples: r.steps * r.batch },
  ]);
  return { ...r, threads: Math.max(r.threads, ctx.backend.threads), simd: ctx.backend.simd, cpus: os.availableParallelism() };
};
