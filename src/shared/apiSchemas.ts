// Argument schemas for every API method: the Electron IPC handler and the HTTP server validate
// each call with these before it reaches the service (specs are validated again, in depth, there).
import { z } from 'zod';
import type { ApiMethod } from './api';
import { EXPORT_FORMATS } from './specs/export';
import { MAX_GENERATE_TOKENS } from './specs/importModel';
import { MAX_NOTES_LENGTH, MAX_QUERY_LENGTH, MAX_TAG_LENGTH, MAX_TAGS_PER_RUN } from './runAnnotations';

const id = z.string().min(1).max(200);
// Where the runs execute (#21). From a page or the desktop app only the scheduling options: the
// command a node runs and extra sbatch arguments come from the settings file or the CLI alone.
const executor = z.union([
  z.object({ kind: z.literal('local') }).strict(),
  z.object({
    kind: z.literal('slurm'),
    slurm: z.object({
      partition: z.string().max(200).optional(), time: z.string().max(40).optional(), cpusPerTask: z.number().optional(),
      gpus: z.number().optional(), mem: z.string().max(40).optional(), maxParallel: z.number().optional(),
    }).strict().optional(),
  }).strict(),
]);
const create = z.object({ confirmed: z.boolean().optional(), executor: executor.optional() }).strict().optional();
// Generous size caps only: the service checks the real limits and each tag's characters, with
// messages in words that name the field (runAnnotations.ts).
const tagList = z.array(z.string().max(4 * MAX_TAG_LENGTH)).max(4 * MAX_TAGS_PER_RUN);
const bit = z.union([z.literal(0), z.literal(1)], { error: 'expected 0 or 1' });
const TryInputSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('cmsp'), bits: z.array(bit).min(1).max(4096), skill: z.array(z.number().int().min(0)).min(1).max(256) }).strict(),
  // under browser mode's 10 MiB request limit: a 6 MiB image, more than any photo dropped here needs
  z.object({ kind: z.literal('image'), image: z.string().min(1).max(8 * 1024 * 1024) }).strict(),
  z.object({ kind: z.literal('testImage'), index: z.number().int().min(0) }).strict(),
  z.object({
    kind: z.literal('text'), prompt: z.string().max(16384), maxBytes: z.number().int().min(0).max(1024),
    temperature: z.number().min(0).max(5), seed: z.number().int().min(0).optional(),
  }).strict(),
]);
const status = z.enum(['queued', 'running', 'done', 'failed', 'cancelled', 'interrupted']);

export const API_ARGS: Record<ApiMethod, z.ZodType<unknown[]>> = {
  info: z.tuple([]),
  createRun: z.tuple([z.unknown(), create]),
  listRuns: z.tuple([z.object({
    studyId: id.optional(), status: status.optional(), kind: z.string().max(100).optional(),
    query: z.string().max(MAX_QUERY_LENGTH).optional(), tags: tagList.optional(),
  }).strict().optional()]),
  getRun: z.tuple([id]),
  metrics: z.tuple([id, z.object({ keys: z.array(z.string()).optional(), sinceStep: z.number().optional() }).strict().optional()]),
  logs: z.tuple([id]),
  artifacts: z.tuple([id]),
  cancelRun: z.tuple([id]),
  resumeRun: z.tuple([id]),
  deleteRun: z.tuple([id, z.object({ withDependents: z.boolean().optional(), now: z.boolean().optional() }).strict().optional()]),
  createStudy: z.tuple([z.unknown(), create]),
  listStudies: z.tuple([]),
  getStudy: z.tuple([id]),
  cancelStudy: z.tuple([id]),
  recipes: z.tuple([]),
  exportRun: z.tuple([id, z.object({
    // every family's formats (a language model's hf / transformersjs too); the service checks the run's own
    formats: z.union([z.string(), z.array(z.enum(EXPORT_FORMATS))]).optional(),
    out: z.string().min(1), force: z.boolean().optional(),
    compact: z.boolean().optional(), onnxOpset: z.number().int().optional(),
  }).strict()]),
  importDataset: z.tuple([z.object({ source: z.string().min(1), dataset: z.string().optional() }).passthrough()]),
  listDatasets: z.tuple([]),
  getDataset: z.tuple([id]),
  datasetSamples: z.tuple([id, z.object({
    split: z.enum(['train', 'test']).optional(), offset: z.number().int().min(0).optional(),
    count: z.number().int().min(0).max(100).optional(), classIndex: z.number().int().min(0).optional(),
  }).strict().optional()]),
  deleteDataset: z.tuple([id]),
  annotateRun: z.tuple([id, z.object({
    notes: z.string().max(4 * MAX_NOTES_LENGTH).optional(), addTags: tagList.optional(), removeTags: tagList.optional(),
  }).strict()]),
  modelInfo: z.tuple([id]),
  tryModel: z.tuple([id, TryInputSchema]),
  confusionMatrix: z.tuple([id]),
  deletePlan: z.tuple([z.union([z.object({ run: id }).strict(), z.object({ study: id }).strict()])]),
  deleteStudy: z.tuple([id, z.object({ withDependents: z.boolean().optional(), now: z.boolean().optional() }).strict().optional()]),
  listTrash: z.tuple([]),
  restoreTrash: z.tuple([id]),
  emptyTrash: z.tuple([id.optional()]),
  estimateSpec: z.tuple([z.unknown()]),
  // The import spec's fields are validated in depth by the service (ImportCorpusSpec).
  previewCorpus: z.tuple([z.object({ sources: z.array(z.string()) }).passthrough()]),
  importCorpus: z.tuple([z.object({ sources: z.array(z.string()) }).passthrough()]),
  listCorpora: z.tuple([]),
  importModel: z.tuple([z.object({ folder: z.string().min(1).max(4096), name: z.string().max(200).optional() }).strict()]),
  generate: z.tuple([id, z.object({ prompt: z.string().max(16384), tokens: z.number().int().min(1).max(MAX_GENERATE_TOKENS) }).strict()]),
};
