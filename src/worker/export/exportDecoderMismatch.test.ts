// An ONNX graph that computes something else than the engine fails the export inside the job, and
// nothing is written: the encoder is swapped for one that scales a weight before encoding.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import type { RunSpec } from '../../shared/specs';
import { ExportSpec } from '../../shared/specs';
import { initBackend } from '../engine/backend';
import { encodeTransformer, TOKENIZER_META } from '../models/decoder/file';
import type { TransformerWeights } from '../models/decoder/model';
import { exportDecoder } from './exportDecoder';
import { liveWeights } from './testDecoders';

vi.mock('./decoderOnnx', async (importOriginal) => {
  const orig = await importOriginal<typeof import('./decoderOnnx')>();
  return {
    ...orig,
    encodeDecoderOnnx: (w: TransformerWeights, ...rest: [Record<string, string>, number, string?]) =>
      orig.encodeDecoderOnnx({ ...w, params: { ...w.params, 'h.0.attn.wo': w.params['h.0.attn.wo'].map((v) => v * 1.01) } }, ...rest),
  };
});

let home: string;
beforeAll(async () => { await initBackend('cpu'); home = fs.mkdtempSync(path.join(os.tmpdir(), 'whittle-mismatch-')); });
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

it('a 1% error in one ONNX weight fails the export before anything is written', async () => {
  const w = liveWeights({ vocab: 256, context: 16, dModel: 16, heads: 2, headDim: 8, mlp: [16] }, 3);
  const dir = path.join(home, 'run');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'model.safetensors'), encodeTransformer(w, { [TOKENIZER_META]: JSON.stringify({ kind: 'byte' }) }));
  const out = path.join(home, 'out');
  const spec = ExportSpec.parse({ kind: 'export', inputs: { source: 'r' }, out, latency: { repeats: 3 } });
  await expect(exportDecoder({ spec, source: { runId: 'r', dir, summary: null, spec: { kind: 'lm' } as unknown as RunSpec }, backend: 'cpu', whittleVersion: 'test' }))
    .rejects.toThrow(/the exported ONNX graph, run by onnxruntime-node, differs from the engine's logits by .*nothing was written/);
  expect(fs.existsSync(out)).toBe(false);
  expect(fs.readdirSync(home).filter((n) => n.includes('whittle-export'))).toEqual([]);
});
