// Argument schemas for every API method: the Electron IPC handler and the HTTP server validate
// each call with these before it reaches the service (specs are validated again, in depth, there).
import { z } from 'zod';
import type { ApiMethod } from './api';

const id = z.string().min(1).max(200);
const create = z.object({ confirmed: z.boolean().optional() }).strict().optional();
const status = z.enum(['queued', 'running', 'done', 'failed', 'cancelled', 'interrupted']);

export const API_ARGS: Record<ApiMethod, z.ZodType<unknown[]>> = {
  info: z.tuple([]),
  createRun: z.tuple([z.unknown(), create]),
  listRuns: z.tuple([z.object({ studyId: id.optional(), status: status.optional() }).strict().optional()]),
  getRun: z.tuple([id]),
  metrics: z.tuple([id, z.object({ keys: z.array(z.string()).optional(), sinceStep: z.number().optional() }).strict().optional()]),
  logs: z.tuple([id]),
  artifacts: z.tuple([id]),
  cancelRun: z.tuple([id]),
  resumeRun: z.tuple([id]),
  deleteRun: z.tuple([id]),
  createStudy: z.tuple([z.unknown(), create]),
  listStudies: z.tuple([]),
  getStudy: z.tuple([id]),
  cancelStudy: z.tuple([id]),
  recipes: z.tuple([]),
  exportRun: z.tuple([id, z.object({
    formats: z.union([z.string(), z.array(z.enum(['tfjs', 'onnx', 'safetensors']))]).optional(),
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
  estimateSpec: z.tuple([z.unknown()]),
  // The import spec's fields are validated in depth by the service (ImportCorpusSpec).
  previewCorpus: z.tuple([z.object({ sources: z.array(z.string()) }).passthrough()]),
  importCorpus: z.tuple([z.object({ sources: z.array(z.string()) }).passthrough()]),
  listCorpora: z.tuple([]),
};
