// Trying a finished run's model ("try the model" in the run view) runs here, on one inference
// thread of its own rather than in one of the scheduler's training slots: a request takes
// milliseconds (a confusion matrix about a second), and it must neither wait behind a ten-minute
// training run holding every slot nor take a slot a queued run is waiting for. One long-lived
// thread, not a thread per request: starting a thread and its tfjs backend costs more than the
// request itself, and the thread keeps the last models it read so the next request skips loading
// them. It is started on the first request and ended after a minute idle, releasing their memory.
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ToWorker } from '../../shared/events';
import type { RunSpec, TaskSpec } from '../../shared/specs';
import { DATASET_FILES } from '../../shared/specs/dataset';
import { ApiError } from '../../shared/transport';
import { MAX_GENERATE_TOKENS, type GenerateRequest, type GenerateResult } from '../../shared/specs/importModel';
import type { ConfusionMatrix, InferMessage, InferReply, InferRequest, InferRun, ModelInfo, TryInput, TryResult } from '../../shared/tryModel';
import type { RunInternal, Store } from './store';
import { resolveWorkerEntry } from './workerEntry';

const IDLE_MS = 60_000;
/** A request longer than this is a bug or a runaway input: the thread is ended and restarted. */
const REQUEST_TIMEOUT_MS = 120_000;
const MODEL_FILE = 'model.safetensors';
const CONFUSION_FILE = 'confusion.json';

interface Pending { resolve(v: unknown): void; reject(e: Error): void; timer: NodeJS.Timeout }

export class InferenceWorker {
  private worker: Worker | null = null;
  private pending = new Map<number, Pending>();
  private nextId = 1;
  private idle: NodeJS.Timeout | null = null;

  constructor(private home: string) {}

  request<T>(request: InferRequest): Promise<T> {
    const worker = this.start();
    if (this.idle) { clearTimeout(this.idle); this.idle = null; }
    worker.ref(); // an answer is awaited: keep the process alive for it
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(new ApiError(`the model did not answer within ${REQUEST_TIMEOUT_MS / 1000} s`, 'internal'));
      }, REQUEST_TIMEOUT_MS);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      worker.postMessage({ type: 'infer', id, home: this.home, request } satisfies InferMessage);
    });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const entry = resolveWorkerEntry();
    const worker = new Worker(entry.file, { eval: entry.eval });
    // one core for native kernels: a request is small, and the training runs keep theirs
    worker.postMessage({ type: 'threads', threads: 1 } satisfies ToWorker);
    worker.on('message', (msg: InferReply) => {
      if (msg?.type !== 'inferResult') return;
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      clearTimeout(p.timer);
      if (msg.ok) p.resolve(msg.result);
      else p.reject(new ApiError(msg.message, msg.input ? 'bad_request' : 'internal'));
      if (this.pending.size === 0) { worker.unref(); this.scheduleIdle(); }
    });
    worker.on('error', (e) => this.fail(new ApiError(`the inference thread failed: ${e.message}`, 'internal')));
    worker.on('exit', () => { if (this.worker === worker) this.fail(new ApiError('the inference thread exited', 'internal')); });
    this.worker = worker;
    return worker;
  }

  private scheduleIdle(): void {
    this.idle = setTimeout(() => { void this.close(); }, IDLE_MS);
    this.idle.unref();
  }

  /** Reject everything in flight and end the thread (the next request starts a fresh one). */
  private fail(e: Error): void {
    const w = this.worker;
    this.worker = null;
    for (const p of this.pending.values()) { clearTimeout(p.timer); p.reject(e); }
    this.pending.clear();
    if (w) void w.terminate();
  }

  async close(): Promise<void> {
    if (this.idle) { clearTimeout(this.idle); this.idle = null; }
    const w = this.worker;
    this.worker = null;
    for (const p of this.pending.values()) { clearTimeout(p.timer); p.reject(new ApiError('the service is closing', 'internal')); }
    this.pending.clear();
    if (w) await w.terminate();
  }
}

/** The task a run's model was trained on: its own, else (compression runs) its input run's. */
export function taskOfRun(store: Store, run: RunInternal, depth = 0): TaskSpec | null {
  const spec = run.spec as RunSpec & { task?: TaskSpec; inputs?: Record<string, string> };
  if (spec.task) return spec.task;
  const from = spec.inputs?.source ?? spec.inputs?.teacher ?? spec.inputs?.model;
  const input = from ? store.getRun(from) : null;
  return input && depth < 20 ? taskOfRun(store, input, depth + 1) : null;
}

/** "Try the model" for the API: checks the run has a model, then asks the inference thread. */
export class TryModelService {
  readonly worker: InferenceWorker;

  constructor(private store: Store) { this.worker = new InferenceWorker(store.home); }

  private inferRun(run: RunInternal): InferRun {
    if (run.status !== 'done') throw new ApiError(`run ${run.id} is ${run.status}; only a finished run's model can be tried`, 'conflict');
    const dir = this.store.runDir(run.id);
    if (!fs.existsSync(path.join(dir, MODEL_FILE))) throw new ApiError(`run ${run.id} (${run.spec.kind}) has no model to try`, 'bad_request');
    return { runId: run.id, dir, spec: run.spec as RunSpec, task: taskOfRun(this.store, run) };
  }

  info(run: RunInternal): Promise<ModelInfo> { return this.worker.request({ op: 'info', run: this.inferRun(run) }); }

  tryModel(run: RunInternal, input: TryInput): Promise<TryResult> { return this.worker.request({ op: 'try', run: this.inferRun(run), input }); }

  generate(run: RunInternal, req: GenerateRequest): Promise<GenerateResult> {
    const tokens = req?.tokens;
    if (!Number.isInteger(tokens) || tokens < 1 || tokens > MAX_GENERATE_TOKENS) {
      throw new ApiError(`tokens: expected a whole number 1..${MAX_GENERATE_TOKENS}, got ${tokens}`, 'bad_request', [{ path: 'tokens', message: `expected 1..${MAX_GENERATE_TOKENS}` }]);
    }
    if (typeof req.prompt !== 'string') throw new ApiError('prompt: expected text', 'bad_request', [{ path: 'prompt', message: 'expected text' }]);
    return this.worker.request({ op: 'generate', run: this.inferRun(run), prompt: req.prompt, tokens });
  }

  /** Computed once per model file and dataset import: kept in the run folder, keyed by the model
   *  file's size and time and the dataset's import time. */
  async confusion(run: RunInternal): Promise<ConfusionMatrix> {
    const req = this.inferRun(run);
    const st = fs.statSync(path.join(req.dir, MODEL_FILE));
    // a dataset imported again under the same name has other test images: its meta.json says when
    let data = '';
    if (req.task?.suite === 'images') {
      try { data = String(fs.statSync(path.join(this.store.home, 'datasets', req.task.dataset, DATASET_FILES.meta)).mtimeMs); } catch { /* absent: the worker says so */ }
    }
    const key = `${st.size}:${st.mtimeMs}:${data}`;
    const file = path.join(req.dir, CONFUSION_FILE);
    try {
      const cached = JSON.parse(fs.readFileSync(file, 'utf8')) as { key: string; matrix: ConfusionMatrix };
      if (cached.key === key) return cached.matrix;
    } catch { /* absent or unreadable: computed below */ }
    const matrix = await this.worker.request<ConfusionMatrix>({ op: 'confusion', run: req });
    if (!this.store.readonly) {
      try {
        const tmp = `${file}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, JSON.stringify({ key, matrix }));
        fs.renameSync(tmp, file);
      } catch { /* a full or read-only disk: computed again next time */ }
    }
    return matrix;
  }

  close(): Promise<void> { return this.worker.close(); }
}
