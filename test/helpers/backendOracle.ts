// Kernel oracle tests: run the same tfjs function on a backend and compare a wasm run (Whittle's
// kernels) with the cpu backend's reference kernels, asserting nothing leaks on either.
import { expect } from 'vitest';
import { relErr } from './numeric';
import { tf, type Tensor } from '../../src/worker/engine/tf';

export type Fn = () => Tensor | Tensor[];

/** Run fn on a backend and return plain arrays; asserts nothing leaks on that backend. */
export async function on(backend: string, fn: Fn): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  // Backend-side buffers too: a kernel's temporaries live only in the backend's own table.
  const dataIds = () => (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
  const idsBefore = dataIds();
  const out = tf.tidy(fn);
  const list = Array.isArray(out) ? out : [out];
  const vals = list.map((t) => Float32Array.from(t.dataSync()));
  tf.dispose(list);
  expect(tf.memory().numTensors).toBe(before);
  expect(dataIds()).toBe(idsBefore);
  return vals;
}

/** fn on wasm vs on cpu (the reference), each output within tol of the cpu's scale; the wasm outputs. */
export async function expectMatch(fn: Fn, tol = 1e-5): Promise<Float32Array[]> {
  const ref = await on('cpu', fn);
  const got = await on('wasm', fn);
  expect(got.length).toBe(ref.length);
  for (let i = 0; i < ref.length; i++) expect(relErr(got[i], ref[i]), `output ${i}`).toBeLessThanOrEqual(tol);
  return got;
}
