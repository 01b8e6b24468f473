// Opening a Hugging Face checkpoint: the importModel run kind, the request a person fills in (the
// "Open a model…" action, `whittle model import`), and the facts the run's summary names. The import
// itself reads the folder in the worker (models/decoder/hf) and writes the run's model artifact in the
// same decoder model file as lm runs, so every view and study that takes an lm model takes it.
import { z } from 'zod';

/** Architectures (config.json `architectures[0]`) whose graph the decoder family implements. Mistral,
 *  Qwen2 and SmolLM checkpoints are Llama-graph models under their own names. */
export const HF_ARCHITECTURES = ['GPT2LMHeadModel', 'LlamaForCausalLM', 'MistralForCausalLM', 'Qwen2ForCausalLM'] as const;

/** Model-file metadata key (decoder file) of what an imported model came from: architecture,
 *  model_type, eosId, bosId, folder, dtype (JSON). */
export const HF_SOURCE_META = 'whittle.hf';

/** Tensor types read from safetensors (converted to float32 on load). */
export const HF_DTYPES = ['F32', 'F16', 'BF16'] as const;

export const ImportModelSpec = z.object({
  kind: z.literal('importModel'),
  name: z.string().optional(),
  /** A checkpoint folder in the Hugging Face layout: config.json, model.safetensors (or
   *  model-0000x-of-0000y.safetensors + model.safetensors.index.json), tokenizer.json. */
  folder: z.string().min(1),
}).strict();
export type ImportModelSpec = z.infer<typeof ImportModelSpec>;

/** What a person gives to open a model (API `importModel`, CLI `whittle model import DIR --name NAME`). */
export interface ImportModelRequest { folder: string; name?: string }

/** The summary an importModel run ends with (also what `whittle show` and the run page list). */
export interface ImportModelSummary {
  architecture: string;
  modelType: string;
  layers: number;
  dModel: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  /** MLP width (every layer's, as imported). */
  mlpWidth: number;
  vocab: number;
  context: number;
  params: number;
  dtype: string;
  bytesRead: number;
  sourceFiles: number;
  folder: string;
  seconds: number;
}

/** Greedy continuation of a prompt by a run's decoder model (`whittle model generate`). */
export interface GenerateRequest { prompt: string; tokens: number }
export interface GenerateResult {
  runId: string;
  prompt: string;
  /** The prompt followed by what the model wrote. */
  text: string;
  continuation: string;
  promptTokens: number;
  /** Token ids written (ends early at the tokenizer's end-of-sequence token). */
  ids: number[];
  stoppedAtEos: boolean;
  /** Milliseconds per generated token (prompt included in the first). */
  msPerToken: number;
}

/** Most tokens one generate request writes (a request runs in the inference thread, under its timeout). */
export const MAX_GENERATE_TOKENS = 1024;
