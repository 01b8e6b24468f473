// The API every interface speaks (Electron IPC, HTTP in browser mode, the CLI in-process).
// Payloads are JSON-plain so every transport carries them unchanged.
import type { ExecutorChoice, SlurmAvailability, SlurmRunState } from './executor';
import type { RunErrorKind } from './errors';
import type { RunAnnotationPatch } from './runAnnotations';
import type { MetricPoint } from './events';
import type { RunSpec } from './specs';
import type { DatasetRow, DatasetSample, ImportDatasetRequest } from './specs/dataset';
import type { CorpusImportRequest, CorpusPreview, CorpusRow } from './specs/corpusImport';
import type { GenerateRequest, GenerateResult, ImportModelRequest } from './specs/importModel';
import type { RunEstimate } from './specs/runEstimate';
import type { ExportRunOptions } from './specs/export';
import type { StudySpec } from './studies';
import type { ConfusionMatrix, ModelInfo, TryInput, TryResult } from './tryModel';
import type { DeleteOptions, DeletePlan, DeleteResult, TrashEntry } from './trash';

export type RunStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled' | 'interrupted';
export const FINAL_STATUSES: readonly RunStatus[] = ['done', 'failed', 'cancelled'];

export interface Progress { step: number; total: number; eta: number | null; phase?: string }

export interface RunRow {
  id: string;
  name: string;
  kind: RunSpec['kind'];
  status: RunStatus;
  studyId: string | null;
  /** key of this run inside its study plan (e.g. `broad/seed0`) */
  studyKey: string | null;
  spec: RunSpec;
  dependsOn: string[];
  createdAt: number;
  startedAt: number | null;
  endedAt: number | null;
  progress: Progress | null;
  summary: Record<string, unknown> | null;
  error: string | null;
  /** Set with `error`: 'input' when the run rejected its input's content (the CLI exits 2), else 'internal'. */
  errorKind: RunErrorKind | null;
  backend: string | null;
  /** The user's notes on the run ('' when none). Set by the store; optional so rows built elsewhere need not carry it. */
  notes?: string;
  /** The user's tags on the run, sorted. Set by the store; optional as `notes`. */
  tags?: string[];
  /** Where the run is in Slurm (#21): job id, queue state; absent or null for runs on this machine. */
  slurm?: SlurmRunState | null;
}

/** listRuns' filter. `query` matches name, notes or a tag (substring, case-insensitive); `tags`: runs carrying every one. */
export interface RunFilter { studyId?: string; status?: RunStatus; kind?: string; query?: string; tags?: string[] }

export interface StudyRow {
  id: string;
  name: string;
  kind: StudySpec['kind'];
  spec: StudySpec;
  status: RunStatus;
  createdAt: number;
  runIds: string[];
  /** The comparison the study exists for, recomputed from its runs' summaries. */
  summary: Record<string, unknown> | null;
}

export interface ArtifactRow { id: number; runId: string; kind: string; path: string; bytes: number; sha256: string; createdAt: number; meta: Record<string, unknown> | null }
export interface LogRow { runId: string; at: number; level: string; message: string }
export interface MetricSeries { runId: string; /** key → points sorted by step */ series: Record<string, { step: number; value: number; samples: number | null }[]> }
export interface AppInfo {
  version: string; home: string; backend: string | null; threads: number | null; workers: number; mode: 'electron' | 'browser' | 'cli';
  /** Where exports may be written and imports read: `allowed` empty means anywhere (CLI); in browser
   *  mode the user's home or `--root`, in Electron home plus folders picked in the dialog.
   *  `exportDefault`: a folder inside them to propose (the dialog appends the run's name). */
  folders?: { allowed: string[]; exportDefault: string };
  /** Slurm's partitions where sbatch is on PATH (the wizard then offers "Run on: Slurm"); null otherwise (#21). */
  slurm?: SlurmAvailability | null;
}

/** `executor`: where the runs execute (#21); absent: this machine. */
export interface CreateOptions { confirmed?: boolean; executor?: ExecutorChoice }

export interface WhittleApi {
  info(): Promise<AppInfo>;
  /** `confirmed`: a person agreed to the estimate a large spec was refused with (see CONFIRM_CODE). */
  createRun(spec: unknown, opts?: CreateOptions): Promise<RunRow>;
  listRuns(filter?: RunFilter): Promise<RunRow[]>;
  getRun(id: string): Promise<RunRow>;
  metrics(id: string, opts?: { keys?: string[]; sinceStep?: number }): Promise<MetricSeries>;
  logs(id: string): Promise<LogRow[]>;
  artifacts(id: string): Promise<ArtifactRow[]>;
  cancelRun(id: string): Promise<RunRow>;
  resumeRun(id: string): Promise<RunRow>;
  /** What deleting a run or study takes with it (#16 item 6). */
  deletePlan(target: { run?: string; study?: string }): Promise<DeletePlan>;
  /** Moves the run to the trash (`now`: deletes for good); refused while it has dependents unless `withDependents`. */
  deleteRun(id: string, opts?: DeleteOptions): Promise<DeleteResult>;
  deleteStudy(id: string, opts?: DeleteOptions): Promise<DeleteResult>;
  listTrash(): Promise<TrashEntry[]>;
  restoreTrash(id: string): Promise<TrashEntry>;
  /** One entry, or all without an id; returns what was deleted for good. */
  emptyTrash(id?: string): Promise<TrashEntry[]>;
  createStudy(spec: unknown, opts?: CreateOptions): Promise<StudyRow>;
  listStudies(): Promise<StudyRow[]>;
  getStudy(id: string): Promise<StudyRow>;
  cancelStudy(id: string): Promise<StudyRow>;
  recipes(): Promise<{ name: string; title: string; kind: string; spec: unknown }[]>;
  /** Export a finished run's model (an `export` run; its files are also listed on the source run). */
  exportRun(runId: string, options: ExportRunOptions): Promise<RunRow>;
  /** Import an image dataset (an `importDataset` run; registered when it finishes). */
  importDataset(request: ImportDatasetRequest): Promise<RunRow>;
  listDatasets(): Promise<DatasetRow[]>;
  getDataset(name: string): Promise<DatasetRow>;
  datasetSamples(name: string, opts?: { split?: 'train' | 'test'; offset?: number; count?: number; classIndex?: number }): Promise<DatasetSample[]>;
  deleteDataset(name: string): Promise<void>;
  /** Change a run's notes and tags (see runAnnotations.ts for the limits); returns the updated run. */
  annotateRun(id: string, patch: RunAnnotationPatch): Promise<RunRow>;
  /** What a finished run's model takes as input (CMSP bits, an image, text), for "try the model". */
  modelInfo(runId: string): Promise<ModelInfo>;
  /** Run a finished run's model on one input (in the service's inference thread). */
  tryModel(runId: string, input: TryInput): Promise<TryResult>;
  /** An image run's confusion matrix over the test split of its classes (computed once per model). */
  confusionMatrix(runId: string): Promise<ConfusionMatrix>;
  /** Time and size of a run or study spec before it starts: cost.ts's FLOP over the speed the latest
   *  comparable finished run measured here (refuses a bad spec as createRun would). */
  estimateSpec(spec: unknown): Promise<RunEstimate>;
  /** Which files a text import would take (globs, caps, binary test), without importing. */
  previewCorpus(request: CorpusImportRequest): Promise<CorpusPreview>;
  /** Import a folder of text as a corpus (an `importCorpus` run; listed when it finishes). */
  importCorpus(request: CorpusImportRequest): Promise<RunRow>;
  listCorpora(): Promise<CorpusRow[]>;
  /** Open a Hugging Face checkpoint folder as a run (an `importModel` run whose artifact is the model).
   *  The folder's headers are checked first: a folder that cannot be imported is refused, naming the
   *  file, key, tensor or byte offset, and nothing is registered. */
  importModel(request: ImportModelRequest): Promise<RunRow>;
  /** Greedy continuation of a prompt by a finished run's decoder model (imported or trained here). */
  generate(runId: string, request: GenerateRequest): Promise<GenerateResult>;
}
export type ApiMethod = keyof WhittleApi;
export const API_METHODS: readonly ApiMethod[] = [
  'info', 'createRun', 'listRuns', 'getRun', 'metrics', 'logs', 'artifacts', 'cancelRun', 'resumeRun',
  'deleteRun', 'createStudy', 'listStudies', 'getStudy', 'cancelStudy', 'recipes',
  'exportRun', 'importDataset', 'listDatasets', 'getDataset', 'datasetSamples', 'deleteDataset',
  'annotateRun',
  'modelInfo', 'tryModel', 'confusionMatrix',
  'deletePlan', 'deleteStudy', 'listTrash', 'restoreTrash', 'emptyTrash',
  'estimateSpec', 'previewCorpus', 'importCorpus', 'listCorpora',
  'importModel', 'generate',
];

/** Pushed to subscribers (IPC, SSE, CLI). */
export type PushEvent =
  | { type: 'run'; run: RunRow }
  | { type: 'progress'; runId: string; progress: Progress }
  | { type: 'metric'; runId: string; points: MetricPoint[] }
  | { type: 'log'; runId: string; level: string; message: string }
  | { type: 'study'; study: StudyRow };

/** Error payload carried across transports; `field` names the offending spec path when known. */
export interface ApiErrorPayload { message: string; code: 'bad_request' | 'not_found' | 'conflict' | 'internal' | 'needs_confirmation'; issues?: { path: string; message: string; text?: string }[] }
