// A corpus import cancelled after its last file was read (the moment before the write): it stops
// with nothing written, and the same import uncancelled writes the corpus.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ImportCorpusSpec } from '../../shared/specs/text';
import { JobCancelled } from '../engine/cancelled';
import { corpusDir } from '../tasks/text/corpus';
import { importCorpusJob } from './importCorpus';
import { recordingContext } from './testContext';

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'whittle-importcorpus-'));
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));
const backend = { backend: 'cpu' as const, threads: 1, simd: false };

describe('importCorpus job', () => {
  it('a cancel after the last file is read writes nothing; uncancelled, the corpus is written', async () => {
    const src = path.join(home, 'src');
    fs.mkdirSync(src, { recursive: true });
    for (let f = 0; f < 2; f++) fs.writeFileSync(path.join(src, `f${f}.txt`), Array.from({ length: 40 }, (_, i) => `line ${i} of file ${f}: the cat sat on the mat`).join('\n'));
    const spec = ImportCorpusSpec.parse({ kind: 'importCorpus', corpus: 'c', sources: [src], valFraction: 0.2 });
    // cancelled() is asked before each of the 2 files, then once before the write (the 3rd check)
    const cut = recordingContext(spec, path.join(home, 'run1'), backend, { home, cancelOnCheck: { afterStep: 0, check: 3 } });
    await expect(importCorpusJob(cut)).rejects.toThrow(JobCancelled);
    expect(fs.existsSync(corpusDir(home, 'c'))).toBe(false);

    const whole = recordingContext(spec, path.join(home, 'run2'), backend, { home });
    const s = await importCorpusJob(whole) as { manifest: { files: { train: number; val: number } } };
    expect(s.manifest.files.train + s.manifest.files.val).toBe(2);
    expect(fs.readdirSync(corpusDir(home, 'c')).length).toBeGreaterThan(0);
  });
});
