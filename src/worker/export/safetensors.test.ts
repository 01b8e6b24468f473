import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { need } from '../../../test/helpers/prereqs';
import { initBackend } from '../engine/backend';
import { decodeMlp } from '../models/mlp/file';
import { encodeSafetensorsExport } from './safetensors';
import { CMSP_CONFIG, IMAGE_CONFIG, maxAbsDiff, randomInputs, randomModel, referenceForward, TEST_META } from './testModels';

const READER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'safetensors_reader.py');
const hasPython = need('python3', import.meta.url);

let tmp: string;
beforeAll(async () => { await initBackend('cpu'); tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'whittle-st-')); });
afterAll(() => { fs.rmSync(tmp, { recursive: true, force: true }); });

describe('safetensors export', () => {
  for (const [label, config] of [['CMSP-shaped', CMSP_CONFIG], ['image-shaped', IMAGE_CONFIG]] as const) {
    it(`round-trips through decodeMlp (${label})`, () => {
      const w = randomModel(config, 21);
      const back = decodeMlp(encodeSafetensorsExport(w, TEST_META));
      expect(back.config).toEqual(config);
      back.W.forEach((W, l) => expect(Array.from(W)).toEqual(Array.from(w.W[l])));
      back.b.forEach((b, l) => expect(Array.from(b)).toEqual(Array.from(w.b[l])));
      expect(back.masks.every((m) => m.every((v) => v === 1))).toBe(true);
    });

    it.skipIf(!hasPython)(`an independent stdlib Python reader checks the layout and computes the same logits (${label})`, () => {
      const w = randomModel(config, 22);
      const rows = 3;
      const x = randomInputs(rows, config.inputs, 23);
      const file = path.join(tmp, `${label}.safetensors`);
      fs.writeFileSync(file, encodeSafetensorsExport(w, TEST_META));
      const input = JSON.stringify({ path: file, rows: Array.from({ length: rows }, (_, r) => Array.from(x.subarray(r * config.inputs, (r + 1) * config.inputs))) });
      const res = JSON.parse(execFileSync('python3', [READER], { input, maxBuffer: 1 << 24 }).toString()) as { metadata: Record<string, string>; logits: number[][] };
      expect(maxAbsDiff(res.logits.flat(), referenceForward(w, x, rows))).toBeLessThanOrEqual(1e-5);
      expect(res.metadata['whittle.skill']).toBe('[0]');
      expect(JSON.parse(res.metadata['whittle.skills_removed'])).toEqual(['[1]', '[2]']);
      expect(res.metadata['whittle.spec_sha256']).toBe('abc');
    });
  }

  it('matches a file built by hand from the spec', () => {
    // 1 input → 1 hidden unit → 1 output, weights 2, 0.5 | 3, -1: tensors sorted by name.
    const w = { config: { inputs: 1, hidden: [1], outputs: 1, activation: 'relu' as const }, W: [Float32Array.of(2), Float32Array.of(3)], b: [Float32Array.of(0.5), Float32Array.of(-1)], masks: [Float32Array.of(1)] };
    const bytes = encodeSafetensorsExport(w, TEST_META);
    const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    const header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + n)).toString('utf8'));
    expect((8 + n) % 8).toBe(0);
    expect(header['layers.0.bias']).toEqual({ dtype: 'F32', shape: [1], data_offsets: [0, 4] });
    expect(header['layers.0.weight']).toEqual({ dtype: 'F32', shape: [1, 1], data_offsets: [4, 8] });
    expect(header['layers.1.bias']).toEqual({ dtype: 'F32', shape: [1], data_offsets: [8, 12] });
    expect(header['layers.1.weight']).toEqual({ dtype: 'F32', shape: [1, 1], data_offsets: [12, 16] });
    const data = Buffer.from(bytes.subarray(8 + n));
    expect([0, 4, 8, 12].map((o) => data.readFloatLE(o))).toEqual([0.5, 2, -1, 3]);
    expect(data.length).toBe(16);
  });
});
