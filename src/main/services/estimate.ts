// The time estimate the GUI shows before a run or study starts (recipe review, wizard): FLOP per
// planned run from cost.ts, divided by the speed the latest comparable finished run measured on
// this machine (shared/specs/runEstimate.ts). A spec that would be refused is refused here too,
// with the same field-naming error, so the review shows what to fix before Start.
import type { RunRow } from '../../shared/api';
import { RunSpec } from '../../shared/specs';
import type { LmSpec } from '../../shared/specs/text';
import type { ImportModelSummary } from '../../shared/specs/importModel';
import { combineEstimate, costOf, familyOf, latestSpeed, type RunEstimate } from '../../shared/specs/runEstimate';
import { StudySpec } from '../../shared/studies';
import { ApiError } from '../../shared/transport';
import { parseSpec, SpecError } from '../../shared/validate';
import { admit } from './admission';
import type { DatasetRegistry } from './datasets';
import { STUDY_KINDS } from './studies';

const STUDY = new Set(Object.keys(STUDY_KINDS));

function validated<T>(fn: () => T): T {
  try { return fn(); } catch (e) {
    if (e instanceof SpecError) throw new ApiError(`invalid spec: ${e.message}`, 'bad_request', e.issues);
    throw e;
  }
}

/** A pruning lm run has no size of its own: it recovers the source run's model with `prune.keep` MLP
 *  neurons (compacted), so it costs about what training that smaller model for its steps costs. */
function sizedSpec(s: RunSpec, runs: readonly RunRow[]): RunSpec {
  if (s.kind !== 'lm' || s.method !== 'prune' || !s.prune) return s;
  const sourceRun = runs.find((r) => r.id === s.inputs.source);
  const source = sourceRun?.spec as { model?: { arch?: string; layers?: number } } | undefined;
  // an imported checkpoint has no model spec: its shape is in the import's summary
  const model = sourceRun?.kind === 'importModel' ? importedModel(sourceRun.summary) : source?.model;
  if (model?.arch !== 'transformer' || !model.layers) return s;
  const m = model as NonNullable<LmSpec['model']>;
  const keep = s.prune.keep ?? Math.max(1, Math.round((s.prune.keepFraction ?? 1) * m.layers * m.mlpWidth));
  return { ...s, method: 'train', model: { ...m, mlpWidth: Math.max(1, Math.ceil(keep / m.layers)) } };
}

/** An importModel run's model as an lm model spec (what cost.ts sizes), from its summary. */
function importedModel(summary: Record<string, unknown> | null): NonNullable<LmSpec['model']> | undefined {
  const m = summary as Partial<ImportModelSummary> | null;
  if (!m?.layers || !m.dModel || !m.heads || !m.mlpWidth || !m.context) return undefined;
  return { arch: 'transformer', layers: m.layers, dModel: m.dModel, heads: m.heads, mlpWidth: m.mlpWidth, context: m.context, vocab: m.vocab };
}

/** The estimate of a run or study spec (told apart by its kind), against these finished runs. */
export function estimateSpec(spec: unknown, runs: readonly RunRow[], datasets?: DatasetRegistry): RunEstimate {
  const kind = (spec as { kind?: unknown } | null)?.kind;
  let specs: RunSpec[];
  if (typeof kind === 'string' && STUDY.has(kind)) {
    const study = validated(() => parseSpec(StudySpec, spec, 'spec'));
    // Planned specs may refer to each other ('@teacher'): cost.ts needs only their shapes.
    specs = STUDY_KINDS[study.kind].plan(study).map((p) => validated(() => parseSpec(RunSpec, p.spec, `plan.${p.key}`)));
  } else {
    specs = [validated(() => parseSpec(RunSpec, spec, 'spec'))];
  }
  // admit(): the registered dataset's real shape, and the same refusals as createRun.
  const costs = specs.map((s) => { const a = admit(sizedSpec(s, runs), { datasets }); return a.estimate ? costOf(a.estimate) : null; });
  // The family of the runs that have a cost (a compare study's teacher and scratch runs are MLPs).
  const family = specs.map((s, i) => (costs[i] ? familyOf(s) : null)).find((f) => f !== null) ?? null;
  return combineEstimate(costs, family, family ? latestSpeed(runs, family) : null);
}
