// A finished run's model as the inference thread holds it: read once from the run folder's
// model.safetensors (MLP or transformer, told apart by the file's `whittle.arch`) and kept for the
// next request, since someone trying a model sends many small requests to the same run.
import fs from 'node:fs';
import path from 'node:path';
import { InputError } from '../../shared/errors';
import { HF_SOURCE_META } from '../../shared/specs/importModel';
import { MODEL_FILE } from '../compress/io';
import { MaskableMlp } from '../models/mlp/model';
import { decodeMlp } from '../models/mlp/file';
import { familyOfArch } from '../models/family';
import { safetensorsMetadata } from '../models/safetensors';
import { Transformer } from '../models/decoder/model';
import { decodeTransformer, TOKENIZER_META } from '../models/decoder/file';
import { tokenizerFromJSON, type Tokenizer } from '../tasks/text/tokenizer';

export type LoadedModel =
  | { arch: 'mlp'; model: MaskableMlp }
  | { arch: 'transformer'; model: Transformer; tokenizer: Tokenizer;
      /** Special token ids an imported model's config.json names (null: none, or trained here). */
      eosId: number | null; bosId: number | null };

interface Entry { file: string; mtimeMs: number; size: number; loaded: LoadedModel }

/** Models kept at once: a person compares two runs side by side at most; each holds its weights. */
const LIMIT = 2;
const cache = new Map<string, Entry>();

export function modelFile(dir: string): string { return path.join(dir, MODEL_FILE); }

/** The model of the run in `dir` (the cached one while the file is unchanged). */
export function loadRunModel(runId: string, dir: string): LoadedModel {
  const file = modelFile(dir);
  if (!fs.existsSync(file)) throw new InputError(`run ${runId} has no ${MODEL_FILE}: only a finished run with a model can be tried`);
  const st = fs.statSync(file);
  const hit = cache.get(file);
  if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) {
    cache.delete(file); cache.set(file, hit); // most recently used last
    return hit.loaded;
  }
  if (hit) { dispose(hit.loaded); cache.delete(file); }
  const loaded = decode(new Uint8Array(fs.readFileSync(file)), `run ${runId} (${file})`);
  cache.set(file, { file, mtimeMs: st.mtimeMs, size: st.size, loaded });
  while (cache.size > LIMIT) {
    const [oldest, e] = cache.entries().next().value!;
    dispose(e.loaded);
    cache.delete(oldest);
  }
  return loaded;
}

function decode(buf: Uint8Array, source: string): LoadedModel {
  const arch = safetensorsMetadata(buf, source)['whittle.arch'];
  if (familyOfArch(arch) === 'decoder') {
    const { weights, metadata } = decodeTransformer(buf, source);
    const tok = metadata[TOKENIZER_META];
    if (!tok) throw new InputError(`${source}: the model carries no tokenizer, so text cannot be encoded for it`);
    const hf = metadata[HF_SOURCE_META] ? JSON.parse(metadata[HF_SOURCE_META]) as { eosId?: number | null; bosId?: number | null } : {};
    return { arch: 'transformer', model: new Transformer(weights), tokenizer: tokenizerFromJSON(JSON.parse(tok)), eosId: hf.eosId ?? null, bosId: hf.bosId ?? null };
  }
  return { arch: 'mlp', model: new MaskableMlp(decodeMlp(buf, source)) };
}

function dispose(m: LoadedModel): void { m.model.dispose(); }

/** Release every cached model (the thread is going idle, or a test checks for leaks). */
export function dropModels(): void {
  for (const e of cache.values()) dispose(e.loaded);
  cache.clear();
}
