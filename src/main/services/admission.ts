// Admission at the door: what createRun/createStudy check on a parsed spec before anything is
// stored, beyond what the schema alone can know — the registered dataset's classes and shape, the
// machine's memory — and the estimate of memory and time that a large spec must be confirmed on.
// A spec refused here leaves no run behind; one the worker would reject later leaves a failed run.
import os from 'node:os';
import type { RunSpec } from '../../shared/specs';
import { arrayLimitIssues, confirmReasons, type CostContext, type CostEstimate, describeCost, estimateCost, fmtBytes } from '../../shared/specs/cost';
import { resolveClassSubset } from '../../shared/specs/dataset';
import { ApiError, CONFIRM_CODE } from '../../shared/transport';
import { formatPath } from '../../shared/validate';
import type { DatasetRegistry } from './datasets';

export interface Admission { estimate: CostEstimate | null; confirm: string[] }

type Issue = { path: string; message: string };

function refuse(issues: Issue[]): never {
  throw new ApiError(`invalid spec: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, 'bad_request', issues);
}

/** An images task on a registered dataset: its skills must name its classes or subsets, and its
 *  real input width and class count replace the schema's assumption. An unregistered dataset is
 *  left to the worker (a study may import it first). */
function imageContext(spec: RunSpec, datasets: DatasetRegistry | undefined, root: string): CostContext {
  if (spec.kind !== 'train' || spec.task.suite !== 'images' || !datasets) return {};
  const name = spec.task.dataset;
  const row = datasets.list().find((d) => d.name === name);
  if (!row) return {};
  const issues: Issue[] = [];
  const check = (ref: Parameters<typeof resolveClassSubset>[1], path: (string | number)[]) => {
    try { resolveClassSubset(row.meta, ref); } catch (e) { issues.push({ path: formatPath([root, ...path]), message: (e as Error).message }); }
  };
  const m = spec.mixture;
  if (Array.isArray(m)) m.forEach((c, i) => check(c.skill, ['mixture', i, 'skill']));
  else m.schedule.forEach((p, j) => p.components.forEach((c, i) => check(c.skill, ['mixture', 'schedule', j, 'components', i, 'skill'])));
  if (spec.target !== undefined) check(spec.target, ['target']);
  spec.eval.skills?.forEach((s, i) => check(s, ['eval', 'skills', i]));
  if (issues.length) refuse(issues);
  return { inputDim: row.shape[0] * row.shape[1] * row.shape[2], classes: row.classes.length };
}

/** Checks a parsed spec; throws a bad_request naming the field, or returns its estimate and the
 *  reasons (if any) a person must confirm it for. */
export function admit(spec: RunSpec, o: { datasets?: DatasetRegistry; root?: string; memoryBytes?: number } = {}): Admission {
  const root = o.root ?? 'spec';
  const estimate = estimateCost(spec, imageContext(spec, o.datasets, root));
  if (!estimate) return { estimate: null, confirm: [] };
  const tooBig = arrayLimitIssues(estimate);
  if (tooBig.length) refuse(tooBig.map((i) => ({ path: formatPath([root, ...i.path]), message: i.message })));
  const memory = o.memoryBytes ?? os.totalmem();
  if (estimate.peakBytes > memory) {
    const field = estimate.paramBytes >= estimate.activationBytes ? 'model' : 'mixture';
    refuse([{ path: `${root}.${field}`, message: `needs about ${fmtBytes(estimate.peakBytes)} of memory; this machine has ${fmtBytes(memory)} (${describeCost(estimate)})` }]);
  }
  return { estimate, confirm: confirmReasons(estimate) };
}

/** Throws the needs-confirmation error unless the caller confirmed: its message carries the
 *  estimate (it is all that crosses Electron's bridge), so the GUI and the CLI can show it. */
export function requireConfirmation(items: { label: string; admission: Admission }[], confirmed: boolean | undefined): void {
  if (confirmed) return;
  const lines = items.filter((i) => i.admission.confirm.length).map((i) => `${i.label}: ${describeCost(i.admission.estimate!)} (${i.admission.confirm.join(' and ')})`);
  if (!lines.length) return;
  // A study may plan dozens of runs: name a few, count the rest.
  if (lines.length > 3) lines.splice(3, lines.length - 3, `and ${lines.length - 3} more runs`);
  throw new ApiError(`this needs confirmation before it starts — ${lines.join('; ')}. Start it anyway with confirmation (CLI: --yes).`, CONFIRM_CODE);
}
