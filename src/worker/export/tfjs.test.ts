import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../engine/backend';
import { tf } from '../engine/tf';
import { encodeTfjs } from './tfjs';
import { CMSP_CONFIG, IMAGE_CONFIG, maxAbsDiff, randomInputs, randomModel, referenceForward, TEST_META } from './testModels';

let tmp: string;
beforeAll(async () => { await initBackend('cpu'); tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'whittle-tfjs-')); });
afterAll(() => { fs.rmSync(tmp, { recursive: true, force: true }); });

function writeAll(dir: string, files: Record<string, string | Uint8Array>): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, data] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), data);
}

/** Loads model.json + shards from a folder the way tfjs's file/http handlers do: by the manifest. */
function dirHandler(dir: string): tf.io.IOHandler {
  return {
    async load() {
      const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const specs = manifest.flatMap((g) => g.weights);
        const bufs = manifest.flatMap((g) => g.paths.map((p) => fs.readFileSync(path.join(dir, p))));
        const data = Buffer.concat(bufs);
        return [specs, data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)];
      });
    },
  };
}

async function loadAndRun(dir: string, x: Float32Array, rows: number, width: number) {
  const model = await tfl.loadLayersModel(dirHandler(dir));
  try {
    const got = tf.tidy(() => (model.predict(tf.tensor2d(x, [rows, width])) as tf.Tensor).dataSync().slice());
    return { got: got as Float32Array, meta: model.getUserDefinedMetadata() as Record<string, string> };
  } finally {
    model.dispose();
  }
}

describe('TF.js LayersModel export', () => {
  for (const [label, config] of [['CMSP-shaped', CMSP_CONFIG], ['image-shaped', IMAGE_CONFIG]] as const) {
    it(`tf.loadLayersModel loads it and computes the in-app outputs (${label})`, async () => {
      const before = tf.memory().numTensors;
      const w = randomModel(config, 11);
      const rows = 17;
      const x = randomInputs(rows, config.inputs, 12);
      const dir = path.join(tmp, label);
      writeAll(dir, encodeTfjs(w, TEST_META));
      const { got, meta } = await loadAndRun(dir, x, rows, config.inputs);
      expect(maxAbsDiff(got, referenceForward(w, x, rows))).toBeLessThanOrEqual(1e-5);
      expect(meta['whittle.skill']).toBe('[0]');
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('splits the weights into shards that load back in order', async () => {
    const w = randomModel(IMAGE_CONFIG, 13);
    const files = encodeTfjs(w, TEST_META, 100_000); // ≈ 443 KB of weights → 5 shards
    const shards = Object.keys(files).filter((f) => f.endsWith('.bin')).sort();
    expect(shards).toEqual(['group1-shard1of5.bin', 'group1-shard2of5.bin', 'group1-shard3of5.bin', 'group1-shard4of5.bin', 'group1-shard5of5.bin']);
    const dir = path.join(tmp, 'sharded');
    writeAll(dir, files);
    const x = randomInputs(3, IMAGE_CONFIG.inputs, 14);
    const { got } = await loadAndRun(dir, x, 3, IMAGE_CONFIG.inputs);
    expect(maxAbsDiff(got, referenceForward(w, x, 3))).toBeLessThanOrEqual(1e-5);
  });
});
