// The benchmark's prompt: fixed token ids, the same on the Whittle and the PyTorch side
// (bench/torch/torch_decoder.py, prompt_ids): token i = (i · 7919 + 13) mod vocab.
export function promptIds(n: number, vocab: number): Int32Array {
  const ids = new Int32Array(n);
  for (let i = 0; i < n; i++) ids[i] = (i * 7919 + 13) % vocab;
  return ids;
}
