// Same seed, same bytes at any thread count (issue 15, item 6): a CMSP train job on the default
// route (wasm backend with the native kernels: the fused MLP, its weight gradients summed over row
// blocks) run at 1 and at 2 threads must report the same metrics, bit for bit, and write the same
// model file. The thread-count-based split summed the gradients in another order at 2 threads, and
// the trajectories parted within the first steps.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { need } from '../../../test/helpers/prereqs';
import { TrainSpec } from '../../shared/specs';
import { type BackendInfo, initBackend } from '../engine/backend';
import { fusedMlpAvailable, setKernelThreads } from '../engine/kernels';
import { loadNative, type NativeGemm } from '../engine/kernels/native';
import { tf } from '../engine/tf';
import { recordingContext } from './testContext';
import { trainJob } from './train';

let backend: BackendInfo;
let tmp: string;
const ready = need('nativeKernels', import.meta.url);

beforeAll(async () => {
  if (!ready) return;
  backend = await initBackend('wasm');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'whittle-threads-'));
});
afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  if (ready) setKernelThreads(1);
});

// 3 × 100 rows per step: enough rows for a second thread and several row blocks. Hidden widths
// past one GEMM tile (32 columns), odd on purpose. Under a second per run.
const spec = (dropout: number) => TrainSpec.parse({
  kind: 'train', seed: 3,
  task: { suite: 'cmsp', m: 3, n: 8, k: 2 },
  model: { arch: 'mlp', hidden: [96, 45], dropout },
  optimizer: { name: 'adam', lr: 3e-3, eps: 1e-5 },
  mixture: [{ skill: [0], perStep: 100 }, { skill: [1], perStep: 100 }, { skill: [0, 1], perStep: 100 }],
  target: [0, 1],
  steps: 60, eval: { every: 10, samples: 300 }, checkpointEvery: 30,
});

let runNo = 0;
async function runAt(threads: number, dropout: number) {
  expect(setKernelThreads(threads)).toBe(threads);
  const dir = path.join(tmp, `run${runNo++}`);
  fs.mkdirSync(dir);
  const ctx = recordingContext(spec(dropout), dir, backend);
  const before = tf.memory().numTensors;
  const summary = await trainJob(ctx);
  expect(tf.memory().numTensors).toBe(before);
  const model = fs.readFileSync(ctx.artifacts.find((a) => a.kind === 'model')!.path);
  // every metric, as (key, step) → the float64's bytes (toEqual would call -0 and 0 equal)
  const points = ctx.points.map((p) => `${p.key}@${p.step}=${Buffer.from(new Float64Array([p.value]).buffer).toString('hex')}`);
  const digest = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  // every file of every checkpoint (weights, Adam's moments, RNG states), by content
  const checkpoints = ctx.checkpoints.map((c) => ({ step: c.step, files: fs.readdirSync(c.path).sort().map((f) => `${f} ${digest(path.join(c.path, f))}`) }));
  return { summary, model, points, checkpoints };
}

// The fused MLP, with the GEMM the app picks and with the BLAS; and the per-layer route (dropout
// turns the fused kernel off: one dense op per layer, each GEMM split across the threads by rows
// or columns, never along the sum, and by the BLAS's own threads on the blas route).
const routes: { route: string; dropout: number; gemm: 'auto' | NativeGemm }[] = [
  { route: 'fused MLP', dropout: 0, gemm: 'auto' },
  { route: 'fused MLP', dropout: 0, gemm: 'blas' },
  { route: 'per-layer (dropout)', dropout: 0.1, gemm: 'auto' },
  { route: 'per-layer (dropout)', dropout: 0.1, gemm: 'blas' },
];

describe.runIf(ready)('train job on the native route', () => {
  afterAll(() => { loadNative()?.useGemm('auto'); });

  it.each(routes)('$route, $gemm GEMM: the same metrics, checkpoints and model bytes at 1 and 2 threads', async ({ dropout, gemm }) => {
    expect(backend.backend).toBe('wasm');
    const used = loadNative()!.useGemm(gemm);
    if (gemm !== 'auto' && used !== gemm) return; // no BLAS library here: the auto rows cover the rest
    const one = await runAt(1, dropout);
    const two = await runAt(2, dropout);
    expect(fusedMlpAvailable()).toBe(true);
    expect(one.points.length).toBeGreaterThan(20);
    expect(two.checkpoints[0]).toEqual(one.checkpoints[0]);  // step 30: the weights and Adam's moments
    expect(two.checkpoints).toEqual(one.checkpoints);
    expect(two.points).toEqual(one.points);
    expect(two.model.equals(one.model), 'model.safetensors differs between 1 and 2 threads').toBe(true);
    expect(two.summary).toEqual(one.summary);
  });
});
