// Two small text domains a byte-level model tells apart (Python-like lines and prose), written as
// folders of files for importCorpus / `whittle text import`: the keep and remove domains of the
// tiny carve studies.
import fs from 'node:fs';
import path from 'node:path';

const LINES: Record<'python' | 'prose', (i: number) => string> = {
  python: (i) => `def f${i % 7}(x):\n    return x * ${i % 5} + ${i % 3}\n`,
  prose: (i) => `the ${['cat', 'dog', 'bird'][i % 3]} sat on the ${['mat', 'rug'][i % 2]} and slept.\n`,
};

/** Writes root/src/python and root/src/prose (10 files of 30 lines each); returns corpus name → folder. */
export function writeTwoDomains(root: string): Record<'python' | 'prose', string> {
  const out = {} as Record<'python' | 'prose', string>;
  for (const name of ['python', 'prose'] as const) {
    const dir = path.join(root, 'src', name);
    fs.mkdirSync(dir, { recursive: true });
    for (let f = 0; f < 10; f++) fs.writeFileSync(path.join(dir, `f${f}.txt`), Array.from({ length: 30 }, (_, i) => LINES[name](i + f)).join(''));
    out[name] = dir;
  }
  return out;
}
