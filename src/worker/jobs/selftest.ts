// Counts to `steps`, checkpointing its counter; resumes from the last checkpoint.
import fs from 'node:fs';
import path from 'node:path';
import type { SelftestSpec } from '../../shared/specs';
import type { Job } from './types';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const selftestJob: Job<SelftestSpec> = async (ctx) => {
  const { spec } = ctx;
  let step = 0;
  if (ctx.resumeFrom) {
    step = JSON.parse(fs.readFileSync(path.join(ctx.resumeFrom, 'state.json'), 'utf8')).step;
    ctx.log(`resumed at step ${step}`);
  }
  while (step < spec.steps) {
    if (ctx.cancelled()) break;
    if (spec.fail && step === spec.failAt) {
      if (spec.fail === 'throw') throw new Error(`selftest failure at step ${step}`);
      process.exit(3);
    }
    await sleep(spec.stepMs);
    step++;
    ctx.metrics([{ step, key: 'count', value: step, samples: step }]);
    ctx.progress(step, spec.steps);
    if (step % spec.checkpointEvery === 0) ctx.saveCheckpoint(step, { 'state.json': JSON.stringify({ step }) });
  }
  ctx.saveCheckpoint(step, { 'state.json': JSON.stringify({ step }) });
  return { steps: step };
};
