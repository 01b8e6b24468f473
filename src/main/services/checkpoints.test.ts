// Checkpoint retention and the stale-temp sweep (#15 item 10), on real folders.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tmpHome } from '../../../test/helpers/tmp';
import { checkpointKeep, listCheckpoints, pruneCheckpoints, sweepStaleTemps } from './checkpoints';

const ckpt = (step: number) => `ckpt-${String(step).padStart(9, '0')}`;
function runDir(steps: number[]): string {
  const dir = tmpHome('whittle-ckpt-');
  for (const s of steps) {
    fs.mkdirSync(path.join(dir, ckpt(s)));
    fs.writeFileSync(path.join(dir, ckpt(s), 'state.json'), JSON.stringify({ step: s }));
  }
  return dir;
}
/** A pid that belonged to a process that has ended. */
const deadPid = () => spawnSync(process.execPath, ['-e', '0']).pid!;

describe('checkpoint retention', () => {
  it('keeps exactly the newest K by step, plus the protected ones', () => {
    // created out of step order: retention goes by step, not by creation
    const dir = runDir([5, 100, 20, 3000, 7, 20000]);
    fs.writeFileSync(path.join(dir, 'model.safetensors'), 'x'); // not a checkpoint: untouched
    const removed = pruneCheckpoints(dir, 2, [path.join(dir, ckpt(7)), null]);
    expect(removed.map((p) => path.basename(p)).sort()).toEqual([ckpt(5), ckpt(20), ckpt(100)].sort());
    expect(listCheckpoints(dir).map((c) => c.step)).toEqual([7, 3000, 20000]);
    expect(fs.existsSync(path.join(dir, 'model.safetensors'))).toBe(true);
    expect(fs.readdirSync(dir).filter((n) => n.includes('.tmp-'))).toEqual([]);
    // K = 1 with nothing protected: only the newest
    expect(pruneCheckpoints(dir, 1).length).toBe(2);
    expect(listCheckpoints(dir).map((c) => c.step)).toEqual([20000]);
  });

  it('reads K from the spec, default 2', () => {
    expect(checkpointKeep({ checkpointKeep: 5 })).toBe(5);
    expect(checkpointKeep({})).toBe(2);
    expect(checkpointKeep(null)).toBe(2);
  });

  it('sweeps temps whose writer is dead, keeps a live writer\'s (and its own unless told)', () => {
    const dir = runDir([10]);
    const dead = deadPid();
    const names = {
      deadDir: `${ckpt(5)}.tmp-${dead}-x`, deadFile: `model.safetensors.tmp-${dead}-y`,
      liveDir: `${ckpt(6)}.tmp-${process.ppid}-z`, ownDir: `${ckpt(7)}.tmp-${process.pid}-w`,
    };
    for (const n of [names.deadDir, names.liveDir, names.ownDir]) { fs.mkdirSync(path.join(dir, n)); fs.writeFileSync(path.join(dir, n, 'state.json'), '{}'); }
    fs.writeFileSync(path.join(dir, names.deadFile), 'partial');
    expect(sweepStaleTemps(dir).sort()).toEqual([names.deadDir, names.deadFile].sort());
    expect(fs.readdirSync(dir).sort()).toEqual([ckpt(10), names.liveDir, names.ownDir].sort());
    expect(sweepStaleTemps(dir, { ownToo: true })).toEqual([names.ownDir]);
    expect(fs.readdirSync(dir).sort()).toEqual([ckpt(10), names.liveDir].sort());
  });
});
