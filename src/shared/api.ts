// The API every interface speaks (Electron IPC, HTTP in browser mode, the CLI in-process).
// Payloads are JSON-plain so every transport carries them unchanged.
import type { RunErrorKind } from './errors';
import type { MetricPoint } from './events';
import type { RunSpec } from './specs';
import type { DatasetRow, DatasetSample, ImportDatasetRequest } from './specs/dataset';
import type { CorpusImportRequest, CorpusPreview, CorpusRow } from './specs/corpusImport';
import type { RunEstimate } from './specs/runEstimate';
import type { ExportRunOptions } from './specs/export';
import type { StudySpec } from './studies';

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
}

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
export interface AppInfo { version: string; home: string; backend: string | null; threads: number | null; workers: number; mode: 'electron' | 'browser' | 'cli' }

export interface CreateOptions { confirmed?: boolean }

export interface WhittleApi {
  info(): Promise<AppInfo>;
  /** `confirmed`: a person agreed to the estimate a large spec was refused with (see CONFIRM_CODE). */
  createRun(spec: unknown, opts?: CreateOptions): Promise<RunRow>;
  listRuns(filter?: { studyId?: string; status?: RunStatus }): Promise<RunRow[]>;
  getRun(id: string): Promise<RunRow>;
  metrics(id: string, opts?: { keys?: string[]; sinceStep?: number }): Promise<MetricSeries>;
  logs(id: string): Promise<LogRow[]>;
  artifacts(id: string): Promise<ArtifactRow[]>;
  cancelRun(id: string): Promise<RunRow>;
  resumeRun(id: string): Promise<RunRow>;
  deleteRun(id: string): Promise<void>;
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
  /** Time and size of a run or study spec before it starts: cost.ts's FLOP over the speed the latest
   *  comparable finished run measured here (refuses a bad spec as createRun would). */
  estimateSpec(spec: unknown): Promise<RunEstimate>;
  /** Which files a text import would take (globs, caps, binary test), without importing. */
  previewCorpus(request: CorpusImportRequest): Promise<CorpusPreview>;
  /** Import a folder of text as a corpus (an `importCorpus` run; listed when it finishes). */
  importCorpus(request: CorpusImportRequest): Promise<RunRow>;
  listCorpora(): Promise<CorpusRow[]>;
}
export type ApiMethod = keyof WhittleApi;
export const API_METHODS: readonly ApiMethod[] = [
  'info', 'createRun', 'listRuns', 'getRun', 'metrics', 'logs', 'artifacts', 'cancelRun', 'resumeRun',
  'deleteRun', 'createStudy', 'listStudies', 'getStudy', 'cancelStudy', 'recipes',
  'exportRun', 'importDataset', 'listDatasets', 'getDataset', 'datasetSamples', 'deleteDataset',
  'estimateSpec', 'previewCorpus', 'importCorpus', 'listCorpora',
];

/** Pushed to subscribers (IPC, SSE, CLI). */
export type PushEvent =
  | { type: 'run'; run: RunRow }
  | { type: 'progress'; runId: string; progress: Progress }
  | { type: 'metric'; runId: string; points: MetricPoint[] }
  | { type: 'log'; runId: string; level: string; message: string }
  | { type: 'study'; study: StudyRow };

/** Error payload carried across transports; `field` names the offending spec path when known. */
export interface ApiErrorPayload { message: string; code: 'bad_request' | 'not_found' | 'conflict' | 'internal' | 'needs_confirmation'; issues?: { path: string; message: string }[] }
