// The lm-compare study's result as the GUI shows it (the summary is docs/h19-contract.md's): one row
// per method × size run with its held-out loss on every domain next to the general model's, a
// verdict per cell (keep domain within the target, removed domains above the general model), and
// the relearn comparison. A size has one label everywhere on the page (sizeTitle): the chart legend
// reads it from a study key ('attribution/mlp0.5'), the tables from the summary, both as '50% MLP'.
import type { RunRow } from '../../../shared/api';
import { lmSizeTitle, parseLmSizeLabel, PRUNING_METHODS } from '../../../shared/studies/text';

export interface LmFrontierPoint {
  size: number | string; sizeLabel?: string; runId: string | null; status: string;
  target: number | null; tokensToTarget: number | null; pruneTokens: number | null; params: number | null; targetLoss: number | null;
}
export interface LmDomainRow { domain: string; role: 'keep' | 'remove' | 'other'; general: number | null; byRun: Record<string, number | null> }
export interface LmRelearnRow { key: string; method: string; size: string; domain: string; before: number | null; after: number | null; generalAfter: number | null }
export interface LmCompareSummary {
  target?: string; targetLoss?: number | null; targetLossFactor?: number | null; sizes?: (number | string)[]; methods?: string[]; remove?: string[];
  general?: { runId: string | null; status?: string; losses?: Record<string, number> | null };
  frontier?: Record<string, LmFrontierPoint[]>;
  domains?: LmDomainRow[];
  relearn?: LmRelearnRow[];
}

const LM_METHOD_LABEL: Record<string, string> = {
  attribution: 'attribution prune + recover', ablation: 'ablation prune + recover', magnitude: 'magnitude prune + recover',
  random: 'random prune + recover', groupLasso: 'group lasso + prune + recover', distill: 'distillation', scratch: 'from scratch',
};
const PRUNING = new Set<string>(PRUNING_METHODS);
export const methodLabel = (m: string) => LM_METHOD_LABEL[m] ?? m;

/** A cell of the per-domain table: the loss and how it compares with the general model's. */
export interface LossCell {
  value: number | null;
  /** value / the general model's value on that domain. */
  ratio: number | null;
  /** keep: within the target (general × factor); remove: above the general model; null: no verdict. */
  ok: boolean | null;
}

export interface ResultRow {
  key: string; method: string; sizeLabel: string; runId: string | null; status: string;
  tokensToTarget: number | null; params: number | null; pruning: boolean;
  cells: Record<string, LossCell>;
}

function cell(value: number | null, general: number | null, role: LmDomainRow['role'], factor: number | null): LossCell {
  const ratio = value !== null && general !== null && general > 0 ? value / general : null;
  let ok: boolean | null = null;
  if (ratio !== null && role === 'keep') ok = ratio <= (factor ?? 1) + 1e-9;
  if (ratio !== null && role === 'remove') ok = ratio > 1;
  return { value, ratio, ok };
}

/** One row per method × size, in the summary's method order, then size order. */
export function resultRows(summary: LmCompareSummary, runs: readonly RunRow[]): ResultRow[] {
  const byId = new Map(runs.map((r) => [r.id, r]));
  const domains = summary.domains ?? [];
  const factor = summary.targetLossFactor ?? null;
  const rows: ResultRow[] = [];
  for (const [method, points] of Object.entries(summary.frontier ?? {})) {
    for (const p of points) {
      const run = p.runId ? byId.get(p.runId) : undefined;
      const key = run?.studyKey ?? `${method}/${p.sizeLabel ?? p.size}`;
      const cells: Record<string, LossCell> = {};
      for (const d of domains) cells[d.domain] = cell(d.byRun[key] ?? null, d.general, d.role, factor);
      rows.push({
        key, method, sizeLabel: sizeTitle(sizeOfKey(key)), runId: p.runId, status: p.status,
        tokensToTarget: p.tokensToTarget, params: p.params, pruning: PRUNING.has(method), cells,
      });
    }
  }
  return rows;
}

/** Lines of the frontier: tokens to the target against parameters kept (points without either left out). */
export function frontierLines(summary: LmCompareSummary): { method: string; points: { x: number; y: number }[] }[] {
  return Object.entries(summary.frontier ?? {}).map(([method, pts]) => ({
    method,
    points: pts.filter((p) => p.params !== null && p.tokensToTarget !== null).map((p) => ({ x: p.params!, y: p.tokensToTarget! })).sort((a, b) => a.x - b.x),
  }));
}

/** The relearn rows with how much further the removed domain stays above the general model relearning alike. */
export function relearnRows(summary: LmCompareSummary): (LmRelearnRow & { gap: number | null })[] {
  return (summary.relearn ?? []).map((r) => ({ ...r, gap: r.after !== null && r.generalAfter !== null ? r.after - r.generalAfter : null }));
}

/** Runs of the study whose curves the per-domain charts draw: the method × size runs (not the
 *  general model's one evaluation, nor the relearn fine-tunes). */
export function curveRuns(runs: readonly RunRow[]): RunRow[] {
  return runs.filter((r) => r.studyKey && r.studyKey !== 'general' && !r.studyKey.startsWith('relearn/'));
}

/** The method of a study key (`attribution/mlp0.5` → attribution). */
export const methodOfKey = (key: string | null) => (key ?? '').split('/')[0];
/** The size part of a study key (`attribution/mlp0.5` → mlp0.5). */
export const sizeOfKey = (key: string | null) => (key ?? '').split('/').slice(1).join('/');

/** The one label of a size on the lm-compare page (chart legends, frontier, per-domain and relearn
 *  tables): from a study key's size part ('mlp0.5', '96') or the summary's size (96, '50% MLP') to
 *  '50% MLP' or '96 neurons'; text that names no size is shown as it is. */
export function sizeTitle(size: number | string): string {
  if (typeof size === 'number') return lmSizeTitle(size);
  const parsed = parseLmSizeLabel(size);
  return parsed === null ? size : lmSizeTitle(parsed);
}

/** A per-domain chart's legend entry for a run: 'attribution prune + recover · 50% MLP'. */
export const curveLabel = (key: string | null) => `${methodLabel(methodOfKey(key))} · ${sizeTitle(sizeOfKey(key))}`;
