// "Try the model": what the run view sends to a finished run's model and what comes back. The
// model runs in the service's inference worker thread (never in the renderer); these types are the
// JSON-plain payloads of the API methods modelInfo, tryModel and confusionMatrix, and of the
// messages between the service and that worker.
import type { RunSpec, TaskSpec } from './specs';

/** What kind of input a run's model takes, with what the panel needs to build one. */
export type TryTarget =
  | { kind: 'cmsp'; m: number; n: number; subsets: number[][]; /** the run's skills (codes) */ skills: number[][] }
  | { kind: 'images'; dataset: string; shape: [number, number, number]; /** every class of the dataset */ classNames: string[];
      /** the run's classes (indices), whose test images the confusion matrix covers */ classes: number[] }
  | { kind: 'text'; context: number; vocab: number; tokenizer: 'byte' | 'bpe' | 'hf' };

export interface ModelInfo { runId: string; arch: 'mlp' | 'transformer'; params: number; target: TryTarget }

export type TryInput =
  /** `bits`: the n data bits (0/1); `skill`: the code (atomic indices) that sets the control bits. */
  | { kind: 'cmsp'; bits: number[]; skill: number[] }
  /** An uploaded PNG or JPEG, base64 (a data: URL prefix is accepted); converted to the dataset's shape. */
  | { kind: 'image'; image: string }
  /** A test-split image of the run's dataset, by its index in the test split. */
  | { kind: 'testImage'; index: number }
  /** Continue `prompt` by up to `maxBytes` bytes; temperature 0 = greedy. */
  | { kind: 'text'; prompt: string; maxBytes: number; temperature: number; seed?: number };

export interface ClassProbability { index: number; name: string; p: number }

export type TryResult =
  | { kind: 'cmsp'; /** the model's input row: control bits then data bits */ x: number[]; probabilities: [number, number];
      predicted: 0 | 1; /** the true label: parity of the data bits the skill reads */ parity: 0 | 1; parityBits: number[] }
  | { kind: 'image'; probabilities: ClassProbability[]; predicted: number; /** the image as the model saw it, 0..255, [h, w, c] */
      pixels: number[]; shape: [number, number, number]; /** true class of a test image */ label: number | null }
  | { kind: 'text'; /** the prompt's tokens, each with its loss in bits given what precedes it (the first after a newline) */
      tokens: { text: string; lossBits: number }[]; totalBits: number; bitsPerByte: number; continuation: string; temperature: number };

export interface ConfusionMatrix {
  runId: string;
  /** Row and column order: the run's classes. */
  classes: { index: number; name: string }[];
  /** counts[true][predicted], both in `classes` order. */
  counts: number[][];
  /** Per true class: predictions of a class outside the run's classes (a model with more outputs). */
  outside: number[];
  total: number;
  accuracy: number;
  split: 'test';
}

/** The run as the inference worker needs it: its folder, its spec, and the task it was trained on
 *  (a compression run's own, else its input run's). */
export interface InferRun { runId: string; dir: string; spec: RunSpec; task: TaskSpec | null }

export type InferRequest =
  | { op: 'info'; run: InferRun }
  | { op: 'try'; run: InferRun; input: TryInput }
  | { op: 'confusion'; run: InferRun };

export interface InferMessage { type: 'infer'; id: number; home: string; request: InferRequest }
export type InferReply =
  | { type: 'inferResult'; id: number; ok: true; result: unknown }
  | { type: 'inferResult'; id: number; ok: false; message: string; input: boolean };
