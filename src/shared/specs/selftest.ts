// A job with no model: counts steps, checkpoints, and can fail on purpose. It exercises the
// scheduler, store and interfaces end to end (and tests use it to fault-inject).
import { z } from 'zod';
import { int } from './common';

export const SelftestSpec = z.object({
  kind: z.literal('selftest'),
  name: z.string().optional(),
  seed: int(0).default(0),
  steps: int(1).default(100),
  stepMs: int(0).default(10),
  checkpointEvery: int(1).default(10),
  /** Keep this many newest checkpoints (absent: 2); older ones are deleted (the resume point is always kept). */
  checkpointKeep: int(1).optional(),
  /** Fail on purpose at `failAt`: throw an error, or exit the worker thread. */
  fail: z.enum(['throw', 'exit']).optional(),
  failAt: int(0).default(0),
}).strict();
export type SelftestSpec = z.infer<typeof SelftestSpec>;
