import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../engine/backend';
import { tf } from '../engine/tf';
import { decodeOnnx, encodeOnnx, ONNX_INPUT, ONNX_OPSET, ONNX_OUTPUT } from './onnx';
import { CMSP_CONFIG, IMAGE_CONFIG, maxAbsDiff, randomInputs, randomModel, referenceForward, TEST_META } from './testModels';

beforeAll(async () => { await initBackend('cpu'); });

async function runOrt(bytes: Uint8Array, x: Float32Array, rows: number, width: number): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const out = await session.run({ [ONNX_INPUT]: new ort.Tensor('float32', x, [rows, width]) });
    return out[ONNX_OUTPUT].data as Float32Array;
  } finally {
    await session.release();
  }
}

describe('ONNX export', () => {
  for (const [label, config] of [['CMSP-shaped', CMSP_CONFIG], ['image-shaped', IMAGE_CONFIG]] as const) {
    it(`onnxruntime-node computes the in-app outputs (${label})`, async () => {
      const before = tf.memory().numTensors;
      const w = randomModel(config, 7);
      const rows = 33;
      const x = randomInputs(rows, config.inputs, 8);
      const bytes = encodeOnnx(w, TEST_META);
      const got = await runOrt(bytes, x, rows, config.inputs);
      const want = referenceForward(w, x, rows);
      expect(got.length).toBe(rows * config.outputs);
      expect(maxAbsDiff(got, want)).toBeLessThanOrEqual(1e-5);
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('declares the opset and carries the metadata, readable back through the schema', () => {
    const w = randomModel(CMSP_CONFIG, 3);
    const m = decodeOnnx(encodeOnnx(w, TEST_META)) as {
      ir_version: number; opset_import: { version: number }[]; metadata_props: { key: string; value: string }[];
      graph: { initializer: { name: string; dims: number[] }[]; input: { name: string }[] };
    };
    expect(m.opset_import[0].version).toBe(ONNX_OPSET);
    const props = Object.fromEntries(m.metadata_props.map((p) => [p.key, p.value]));
    expect(props['whittle.skill']).toBe('[0]');
    expect(JSON.parse(props['whittle.config'])).toEqual(CMSP_CONFIG);
    expect(m.graph.initializer.map((t) => t.name)).toContain('layers.2.bias');
    expect(m.graph.initializer.find((t) => t.name === 'layers.0.weight')!.dims).toEqual([44, 64]);
  });

  it('the newest opset onnxruntime supports works too; unknown opsets are refused', async () => {
    const w = randomModel(CMSP_CONFIG, 6);
    const x = randomInputs(5, CMSP_CONFIG.inputs, 9);
    const bytes = encodeOnnx(w, TEST_META, 26);
    expect(maxAbsDiff(await runOrt(bytes, x, 5, CMSP_CONFIG.inputs), referenceForward(w, x, 5))).toBeLessThanOrEqual(1e-5);
    expect(() => encodeOnnx(w, TEST_META, 99)).toThrow(/opset 99 is not supported/);
  });

  it('a batch of one runs too (dynamic batch dimension)', async () => {
    const w = randomModel(CMSP_CONFIG, 4);
    const x = randomInputs(1, CMSP_CONFIG.inputs, 5);
    expect(maxAbsDiff(await runOrt(encodeOnnx(w, TEST_META), x, 1, CMSP_CONFIG.inputs), referenceForward(w, x, 1))).toBeLessThanOrEqual(1e-5);
  });
});
