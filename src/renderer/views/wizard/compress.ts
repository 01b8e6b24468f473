// The wizard's "compress a general model" route: a compare study (attribution prune + recover,
// group lasso, random prune, distillation, scratch) at several sizes, on one narrow skill.
import type { RunRow } from '../../../shared/api';
import { CompareStudySpec, type CompareMethod } from '../../../shared/studies';

export const METHODS: { id: CompareMethod; label: string; help: string }[] = [
  { id: 'attribution', label: 'Attribution prune + recover', help: 'remove the units that matter least for the skill, then train the rest' },
  { id: 'groupLasso', label: 'Group lasso', help: 'train with a sparsity penalty until only the target size is active' },
  { id: 'random', label: 'Random prune + recover', help: 'the same with random choice: shows what the score buys' },
  { id: 'distill', label: 'Distillation', help: 'a fresh small model trained on the general model\'s outputs' },
  { id: 'scratch', label: 'From scratch', help: 'a fresh small model trained on the skill\'s labels only' },
];

/** The compare study's own defaults for each method's training phase (batch, optimizer, …). */
export function phaseDefaults() {
  const shape = CompareStudySpec.shape;
  return {
    prune: shape.prune.parse(undefined),
    groupLasso: shape.groupLasso.parse(undefined),
    distill: shape.distill.parse(undefined),
    scratch: shape.scratch.parse(undefined),
  };
}

/** Finished MLP training runs on the same CMSP task: candidates for the general model. */
export function teacherCandidates(runs: readonly RunRow[], task: { suite?: string; m?: number | null; n?: number | null; k?: number | null; dataset?: string }): RunRow[] {
  const suite = task.suite ?? 'cmsp';
  return runs.filter((r) => {
    if (r.status !== 'done' || r.kind !== 'train') return false;
    const s = r.spec as { task?: { suite?: string; m?: number; n?: number; k?: number; dataset?: string }; model?: { arch?: string } };
    if (s.model?.arch !== 'mlp' || s.task?.suite !== suite) return false;
    return suite === 'images' ? s.task.dataset === task.dataset : s.task.m === task.m && s.task.n === task.n && s.task.k === task.k;
  });
}

export function hiddenOf(run: RunRow | undefined): number[] | null {
  const h = (run?.spec as { model?: { hidden?: number[] } } | undefined)?.model?.hidden;
  return Array.isArray(h) ? h : null;
}
