// Running exported files the way a user's program would, before they are written: the ONNX file in
// onnxruntime-node (an independent runtime) and the safetensors file through the decoder, each
// against the source model's logits on the same random inputs.
import { decodeMlp } from '../models/mlp/file';
import type { MlpWeights } from '../models/mlp/model';
import { ONNX_INPUT, ONNX_OUTPUT } from './onnx';
import { forwardLogits, maxAbsDiff, randomInputs, type RuntimeCheck } from './report';

export async function checkOnnx(bytes: Uint8Array, source: MlpWeights, rows: number, seed: number): Promise<RuntimeCheck> {
  const base = { format: 'onnx', runtime: 'onnxruntime-node', inputs: rows };
  let ort: typeof import('onnxruntime-node');
  try {
    ort = await import('onnxruntime-node');
  } catch (e) {
    // An optional check: a build without the native runtime still exports, and says so.
    return { ...base, version: null, maxAbsDiff: null, skipped: `onnxruntime-node could not be loaded (${(e as Error).message.split('\n')[0]})` };
  }
  const x = randomInputs(rows, source.config.inputs, seed);
  const session = await ort.InferenceSession.create(bytes);
  try {
    const out = await session.run({ [ONNX_INPUT]: new ort.Tensor('float32', x, [rows, source.config.inputs]) });
    const versions = (ort.env as { versions?: Record<string, string> }).versions;
    return { ...base, version: versions?.node ?? versions?.common ?? null, maxAbsDiff: maxAbsDiff(out[ONNX_OUTPUT].data as Float32Array, forwardLogits(source, x, rows)) };
  } finally {
    await session.release();
  }
}

export function checkSafetensors(bytes: Uint8Array, source: MlpWeights, rows: number, seed: number): RuntimeCheck {
  const x = randomInputs(rows, source.config.inputs, seed);
  const back = decodeMlp(bytes, 'exported safetensors');
  return { format: 'safetensors', runtime: 'whittle decoder', version: null, inputs: rows, maxAbsDiff: maxAbsDiff(forwardLogits(back, x, rows), forwardLogits(source, x, rows)) };
}
