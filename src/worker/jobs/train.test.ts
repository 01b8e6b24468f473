import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrainSpec } from '../../shared/specs';
import { type BackendInfo, initBackend } from '../engine/backend';
import { tf } from '../engine/tf';
import { decodeMlp } from '../models/mlp/file';
import { recordingContext } from './testContext';
import { trainJob } from './train';
import { unlabelledSummaryKeys } from '../../shared/glossary';

let backend: BackendInfo;
let tmp: string;
beforeAll(async () => {
  backend = await initBackend('cpu');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'whittle-train-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

let runNo = 0;
const newDir = () => { const d = path.join(tmp, `run${runNo++}`); fs.mkdirSync(d); return d; };

/** A tiny CMSP run: m=2, k=2, n=6, 8→12→2, two atomics and the composite. */
function tinySpec(over: Record<string, unknown> = {}): TrainSpec {
  return TrainSpec.parse({
    kind: 'train', seed: 0,
    task: { suite: 'cmsp', m: 2, n: 6, k: 2 },
    model: { arch: 'mlp', hidden: [12] },
    optimizer: { name: 'adam', lr: 1e-2, eps: 1e-5 },
    mixture: [{ skill: [0], perStep: 32 }, { skill: [1], perStep: 32 }, { skill: [0, 1], perStep: 32 }],
    target: [0, 1],
    steps: 40, eval: { every: 5, samples: 200 }, checkpointEvery: 10,
    ...over,
  });
}

const series = (points: { key: string; step: number; value: number }[], key: string) =>
  points.filter((p) => p.key === key).map((p) => [p.step, p.value]);

describe('train job', () => {
  it('reports per-skill metrics with samples, checkpoints, and the final model artifact', async () => {
    const spec = tinySpec();
    const dir = newDir();
    const ctx = recordingContext(spec, dir, backend);
    const summary = await trainJob(ctx);
    expect(summary.steps).toBe(40);
    expect(summary.params).toBe(8 * 12 + 12 + 12 * 2 + 2);
    expect(summary.samples).toBe(40 * 96);
    expect(unlabelledSummaryKeys(summary)).toEqual([]);
    for (const key of ['[0]', '[1]', '[0,1]']) {
      const loss = ctx.points.filter((p) => p.key === `loss/${key}`);
      expect(loss.map((p) => p.step)).toEqual([0, 5, 10, 15, 20, 25, 30, 35, 40]);
      expect(loss.map((p) => p.samples)).toEqual(loss.map((p) => p.step * 96));
      expect(loss[0].value).toBeGreaterThan(0.5); // untrained: near chance (1 bit)
      expect(ctx.points.some((p) => p.key === `acc/${key}`)).toBe(true);
    }
    expect(series(ctx.points, 'train/loss').map(([s]) => s)).toEqual([5, 10, 15, 20, 25, 30, 35, 40]);
    expect(ctx.checkpoints.map((c) => c.step)).toEqual([10, 20, 30, 40]);
    const art = ctx.artifacts.find((a) => a.kind === 'model')!;
    expect(path.basename(art.path)).toBe('model.safetensors');
    const w = decodeMlp(new Uint8Array(fs.readFileSync(art.path)));
    expect(w.config.hidden).toEqual([12]);
    const finalLoss = summary.finalLossBits as Record<string, number>;
    expect(finalLoss['[0]']).toBe(ctx.points.filter((p) => p.key === 'loss/[0]').at(-1)!.value);
    expect(Object.keys(summary.stepsToLearn as object)).toEqual(['[0]', '[1]', '[0,1]']);
  });

  it('gives the same trajectory for the same seed and a different one for another seed', async () => {
    const a = recordingContext(tinySpec(), newDir(), backend);
    const b = recordingContext(tinySpec(), newDir(), backend);
    const c = recordingContext(tinySpec({ seed: 1 }), newDir(), backend);
    await trainJob(a); await trainJob(b); await trainJob(c);
    const key = 'loss/[0,1]';
    expect(series(b.points, key)).toEqual(series(a.points, key));
    expect(series(b.points, 'train/loss')).toEqual(series(a.points, 'train/loss'));
    expect(series(c.points, key)).not.toEqual(series(a.points, key));
  });

  it('resumed after a cancel, follows exactly the uninterrupted trajectory', async () => {
    const spec = tinySpec({ steps: 30 });
    const whole = recordingContext(spec, newDir(), backend);
    const wholeSummary = await trainJob(whole);

    const dir = newDir();
    const first = recordingContext(spec, dir, backend, { cancelAtStep: 13 });
    const partial = await trainJob(first);
    expect(partial.completed).toBe(false);
    expect(partial.steps).toBe(13);
    const ck = first.checkpoints.at(-1)!;
    expect(ck.step).toBe(13); // saved where it stopped
    expect(first.artifacts).toEqual([]); // no final model for an unfinished run

    const second = recordingContext(spec, dir, backend, { resumeFrom: ck.path });
    const resumedSummary = await trainJob(second);
    expect(second.logs.some((l) => l.includes('resumed at step 13'))).toBe(true);
    const joined = [...first.points, ...second.points];
    for (const key of ['loss/[0]', 'loss/[0,1]', 'acc/[1]', 'train/loss']) {
      expect(series(joined, key)).toEqual(series(whole.points, key));
    }
    expect(resumedSummary).toEqual(wholeSummary);
    const bytes = (c: typeof whole) => fs.readFileSync(c.artifacts[0].path);
    expect(bytes(second).equals(bytes(whole))).toBe(true);
  });

  it('cancelled in the middle of an evaluation, the resumed run evaluates that step again and follows the uninterrupted trajectory', async () => {
    // Slurm's SIGTERM (#21) or the GUI's cancel can land between two skills of one evaluation:
    // the evaluation stream has then drawn the first skill's samples. The checkpoint must not keep
    // that half-drawn stream, and the evaluation at that step must not go missing.
    const spec = tinySpec({ steps: 30 });
    const whole = recordingContext(spec, newDir(), backend);
    const wholeSummary = await trainJob(whole);

    const dir = newDir();
    // after progress(14): check 1 at the top of step 15, check 2 before skill [0] of the step-15 evaluation, check 3 before [1]
    const first = recordingContext(spec, dir, backend, { cancelOnCheck: { afterStep: 14, check: 3 } });
    await trainJob(first);
    const ck = first.checkpoints.at(-1)!;
    expect(ck.step).toBe(15);
    expect(JSON.parse(fs.readFileSync(path.join(ck.path, 'state.json'), 'utf8')).evalPending).toBe(true);
    expect(first.points.filter((p) => p.step === 15)).toEqual([]); // the cut evaluation recorded nothing

    const second = recordingContext(spec, dir, backend, { resumeFrom: ck.path });
    const resumedSummary = await trainJob(second);
    expect(second.logs.some((l) => l.includes('evaluation at step 15 was cut short'))).toBe(true);
    const joined = [...first.points, ...second.points];
    for (const key of ['loss/[0]', 'loss/[1]', 'loss/[0,1]', 'acc/[1]', 'train/loss']) {
      expect(series(joined, key)).toEqual(series(whole.points, key));
    }
    expect(resumedSummary).toEqual(wholeSummary);
  });

  it('cancelled in the middle of the last step\'s evaluation, the resumed run evaluates it and finishes as the uninterrupted run did', async () => {
    const spec = tinySpec({ steps: 30 });
    const whole = recordingContext(spec, newDir(), backend);
    const wholeSummary = await trainJob(whole);

    const dir = newDir();
    // after progress(29): check 1 at the top of step 30, check 2 before skill [0] of the final evaluation, check 3 before [1]
    const first = recordingContext(spec, dir, backend, { cancelOnCheck: { afterStep: 29, check: 3 } });
    await trainJob(first);
    const ck = first.checkpoints.at(-1)!;
    expect(ck.step).toBe(30);
    expect(JSON.parse(fs.readFileSync(path.join(ck.path, 'state.json'), 'utf8')).evalPending).toBe(true);
    expect(first.points.filter((p) => p.step === 30 && p.key.startsWith('loss/'))).toEqual([]);

    const second = recordingContext(spec, dir, backend, { resumeFrom: ck.path });
    const resumedSummary = await trainJob(second);
    const joined = [...first.points, ...second.points];
    for (const key of ['loss/[0]', 'loss/[1]', 'loss/[0,1]', 'acc/[1]', 'train/loss']) {
      expect(series(joined, key)).toEqual(series(whole.points, key));
    }
    expect(resumedSummary).toEqual(wholeSummary);
    expect(second.checkpoints.at(-1)!.step).toBe(30);
    expect(JSON.parse(fs.readFileSync(path.join(second.checkpoints.at(-1)!.path, 'state.json'), 'utf8')).evalPending).toBeUndefined();
  });

  it('learns an easy skill and records steps and samples to learn it', async () => {
    const spec = tinySpec({
      task: { suite: 'cmsp', m: 1, n: 3, k: 2 },
      mixture: [{ skill: [0], perStep: 64 }],
      target: [0], steps: 300, eval: { every: 10, samples: 500 }, checkpointEvery: 1000,
      model: { arch: 'mlp', hidden: [16] },
    });
    const ctx = recordingContext(spec, newDir(), backend);
    const summary = await trainJob(ctx);
    const steps = (summary.stepsToLearn as Record<string, number | null>)['[0]'];
    expect(steps).not.toBeNull();
    expect((summary.samplesToLearn as Record<string, number | null>)['[0]']).toBe(steps! * 64);
    // learned = first evaluation below 0.1 bits (window min over the last 100 steps)
    const firstBelow = ctx.points.find((p) => p.key === 'loss/[0]' && p.value < 0.1)!;
    expect(steps).toBe(firstBelow.step);
    expect((summary.finalAcc as Record<string, number>)['[0]']).toBeGreaterThan(0.98);
    expect(ctx.logs.some((l) => l.startsWith('learned [0] at step'))).toBe(true);

    // stopWhenLearned ends the same run right there, as a completed run with its model
    const early = recordingContext({ ...spec, stopWhenLearned: true }, newDir(), backend);
    const s2 = await trainJob(early);
    expect(s2.steps).toBe(steps);
    expect(s2.stoppedEarly).toBe(true);
    expect(s2.stepsToLearn).toEqual(summary.stepsToLearn);
    expect(early.artifacts.map((a) => a.kind)).toEqual(['model']);
  });

  it('leaks no tensors over a 1,000-step run', async () => {
    const spec = tinySpec({ steps: 1000, eval: { every: 250, samples: 50 }, checkpointEvery: 500, model: { arch: 'mlp', hidden: [4] },
      mixture: [{ skill: [0], perStep: 4 }, { skill: [0, 1], perStep: 4 }], gradClip: 1 });
    const before = tf.memory().numTensors;
    const counts = new Map<number, number>();
    const ctx = recordingContext(spec, newDir(), backend, { onProgress: (s) => { if (s === 10 || s === 1000) counts.set(s, tf.memory().numTensors); } });
    await trainJob(ctx);
    expect(counts.get(1000)).toBe(counts.get(10));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('names the field when the suite is unknown or a skill is invalid', async () => {
    // The schema refuses these at the door now; the worker still names the field if one gets through.
    const bad = tinySpec();
    (bad as { mixture: unknown }).mixture = [{ skill: [5], perStep: 4 }];
    await expect(trainJob(recordingContext(bad, newDir(), backend))).rejects.toThrow(/atomic 5/);
    const text = tinySpec();
    (text as { task: unknown }).task = { suite: 'text', domains: ['x'], context: 8 };
    await expect(trainJob(recordingContext(text, newDir(), backend))).rejects.toThrow(/a text task trains a transformer; spec.model.arch is 'mlp'/);
  });

  // #15 item 15: steps below eval.every and checkpointEvery still end done, with finite metrics.
  it('a short run (steps below every interval) ends with a summary and finite metrics', async () => {
    const before = tf.memory().numTensors;
    const ctx = recordingContext(tinySpec({ steps: 3, eval: { every: 50, samples: 100 }, checkpointEvery: 1000 }), newDir(), backend);
    const summary = await trainJob(ctx);
    expect(tf.memory().numTensors).toBe(before);
    expect(summary).toMatchObject({ steps: 3, completed: true });
    expect(ctx.points.filter((p) => !Number.isFinite(p.value))).toEqual([]);
    expect(series(ctx.points, 'train/loss').map(([s]) => s)).toEqual([3]);
    expect(ctx.checkpoints.map((c) => c.step)).toEqual([3]);
  });
});
