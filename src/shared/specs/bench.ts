// Times a real MLP training step (forward, backward, Adam) on the worker's backend.
import { z } from 'zod';
import { int } from './common';
import { arrayLimitIssues, estimateCost } from './cost';

export const BenchSpec = z.object({
  kind: z.literal('bench'),
  name: z.string().optional(),
  seed: int(0).default(0),
  inputDim: int(1).default(68),
  hidden: z.array(int(1)).min(1).default([128, 128]),
  outputs: int(2).default(2),
  batch: int(1).default(10000),
  steps: int(1).default(20),
  warmup: int(0).default(3),
  /** Force a backend for this job ('tensorflow' | 'wasm' | 'cpu' | 'webgpu'); default: the worker's choice.
   *  A forced webgpu takes a software adapter (lavapipe) too: a correctness path, not a speed figure. */
  backend: z.enum(['tensorflow', 'wasm', 'cpu', 'webgpu']).optional(),
}).strict().superRefine((b, ctx) => {
  // Widths and batches the engine cannot allocate are refused here, naming the field.
  const est = estimateCost(b);
  if (est) for (const { path, message } of arrayLimitIssues(est)) ctx.addIssue({ code: 'custom', path, message });
});
export type BenchSpec = z.infer<typeof BenchSpec>;
