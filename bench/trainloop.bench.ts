// The whole training loop as a train job runs it (batch generation, step, progress, checkpoints),
// for the paper's CMSP recipe (resources/recipes/cmsp-reference.json: 68→128→128→2, batch 10,000),
// next to the bare step: what a user's run costs per step, and the share of it spent generating
// data on the job's thread. Prints one JSON object (merged by bench/run.ts under extra.trainloop).
//
//   node --import ./bench/esm-hook.mjs --import tsx bench/trainloop.bench.ts [--steps 300] [--threads N]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { TrainSpec } from '../src/shared/specs';
import { initBackend } from '../src/worker/engine/backend';
import { Rng } from '../src/worker/engine/rng';
import { setKernelThreads } from '../src/worker/engine/kernels';
import { trainJob } from '../src/worker/jobs/train';
import type { JobContext } from '../src/worker/jobs/types';
import { createSuite } from '../src/worker/tasks';
import { MixtureSampler } from '../src/worker/train/mixture';

const { values } = parseArgs({ options: { steps: { type: 'string', default: '300' }, threads: { type: 'string' } } });
const steps = Number(values.steps);
const recipe = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '..', 'resources', 'recipes', 'cmsp-reference.json'), 'utf8'));
// Evaluate and checkpoint once, at the end, as a long run does between its (rare) boundaries.
const spec = TrainSpec.parse({ ...recipe.spec, steps, eval: { ...recipe.spec.eval, every: steps }, checkpointEvery: steps });

const backend = await initBackend();
if (values.threads) backend.threads = setKernelThreads(Number(values.threads));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'whittle-trainloop-'));

// Data generation alone, for the same mixture.
const sampler = new MixtureSampler(await createSuite(spec.task, dir), spec.mixture);
const rng = new Rng(1);
for (let i = 0; i < 5; i++) sampler.sample(i, rng);
let t0 = performance.now();
for (let i = 0; i < 50; i++) sampler.sample(i, rng);
const generateMs = (performance.now() - t0) / 50;

let firstStepAt = 0;
let lastStep = 0;
const ctx: JobContext<TrainSpec> = {
  runId: 'bench', spec, dir, home: dir, resumeFrom: null, inputs: {}, backend,
  emit: () => {}, metrics: () => {}, log: () => {}, cancelled: () => false,
  progress(step) {
    // time from the end of step 1 (after evaluation 0 and warm-up) to the last step
    if (step === 1) firstStepAt = performance.now();
    lastStep = step;
  },
  saveCheckpoint: () => dir,
  saveArtifact: () => dir,
};
t0 = performance.now();
await trainJob(ctx);
const total = performance.now() - t0;
const end = performance.now();
fs.rmSync(dir, { recursive: true, force: true });
// The final evaluation and artifact write fall inside [firstStepAt, end]: subtract nothing, so the
// figure is an upper bound on the per-step cost.
const perStepMs = (end - firstStepAt) / Math.max(1, lastStep - 1);
const batch = sampler.batchSizeAt(0);
process.stdout.write(JSON.stringify({
  bench: 'trainloop', recipe: 'cmsp-reference', dims: spec.model.arch === 'mlp' ? [68, ...spec.model.hidden, 2] : null, batch, steps,
  backend: backend.backend, threads: backend.threads, blas: backend.kernels?.blas ?? null, gemm: backend.kernels?.gemm ?? null,
  msPerStep: round(perStepMs), samplesPerSec: Math.round((batch / perStepMs) * 1000),
  generateMsPerBatch: round(generateMs), generateShare: round(generateMs / perStepMs),
  jobWallMs: Math.round(total),
  note: 'msPerStep: the train job end to end (data generation on the job thread, step, bookkeeping; the final evaluation included); generateMsPerBatch: the mixture sampler alone',
}) + '\n');
process.exit(0);

function round(x: number): number { return Math.round(x * 100) / 100; }
