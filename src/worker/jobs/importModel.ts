// importModel: open a Hugging Face checkpoint folder as a run. The folder is read (models/decoder/hf,
// float32 on load, progress in bytes, cancellable between tensors) and written as the run's model
// artifact in the decoder model file every lm run writes, with the tokenizer.json in its metadata, so
// `show`, `export`, `rm`, the run views and every study that takes an lm model take it.
import { HF_SOURCE_META, type ImportModelSpec, type ImportModelSummary } from '../../shared/specs/importModel';
import { InputError } from '../../shared/errors';
import { MODEL_FILE } from '../compress/io';
import { JobCancelled } from '../engine/cancelled';
import { countDecoderParams } from '../models/decoder/config';
import { encodeTransformer, TOKENIZER_META } from '../models/decoder/file';
import { readHfFolder, type HfFolder } from '../models/decoder/hf/read';
import type { TokenizerJSON } from '../tasks/text/tokenizer';
import type { Job } from './types';

export const importModelJob: Job<ImportModelSpec> = async (ctx) => {
  const { spec } = ctx;
  const t0 = Date.now();
  ctx.log(`reading ${spec.folder}`);
  let read: HfFolder;
  try {
    read = await readHfFolder(spec.folder, { onProgress: (done, total) => ctx.progress(done, Math.max(total, 1), 'reading weights'), cancelled: ctx.cancelled });
  } catch (e) {
    // Everything the reader refuses is the folder's content: the person's to fix (exit 2).
    if (e instanceof JobCancelled || ctx.cancelled()) throw e;
    throw new InputError((e as Error).message);
  }
  const c = read.weights.config;
  const tokenizer: TokenizerJSON = { kind: 'hf', json: read.tokenizer.json, config: read.tokenizer.config };
  const source = { architecture: read.architecture, modelType: read.modelType, eosId: read.eosId, bosId: read.bosId, folder: spec.folder, dtype: read.dtype };
  ctx.progress(read.bytesRead, Math.max(read.bytesRead, 1), 'writing the model');
  ctx.saveArtifact('model', MODEL_FILE, encodeTransformer(read.weights, {
    [TOKENIZER_META]: JSON.stringify(tokenizer), [HF_SOURCE_META]: JSON.stringify(source), 'whittle.method': 'import',
  }), { architecture: read.architecture });
  const summary: ImportModelSummary & { mlp?: number[] } = {
    architecture: read.architecture,
    modelType: read.modelType,
    layers: c.mlp.length,
    dModel: c.dModel,
    heads: c.heads,
    kvHeads: c.kvHeads,
    headDim: c.headDim,
    mlpWidth: Math.max(...c.mlp),
    // a compacted export read back: its layers keep different widths
    ...(c.mlp.some((f) => f !== c.mlp[0]) ? { mlp: [...c.mlp] } : {}),
    vocab: c.vocab,
    context: c.context,
    params: countDecoderParams(c),
    dtype: read.dtype,
    bytesRead: read.bytesRead,
    sourceFiles: read.files.length,
    folder: spec.folder,
    seconds: (Date.now() - t0) / 1000,
  };
  ctx.log(`${read.architecture} (${read.modelType}): ${summary.layers} layers, width ${summary.dModel}, ${summary.heads} heads (${summary.kvHeads} KV), MLP ${summary.mlpWidth}, vocabulary ${summary.vocab}, ${summary.params.toLocaleString('en-US')} parameters; ${read.bytesRead.toLocaleString('en-US')} bytes of ${read.dtype} read from ${read.files.length} file(s) in ${summary.seconds.toFixed(1)} s`);
  return summary as unknown as Record<string, unknown>;
};
