// The curriculum study (METHODS.md §1, the paper's Fig. 2): does broad data make the narrow target
// learnable? One train run per regime × seed, all sharing `base`; the summary gives, per regime, the
// fraction of seeds that learned the target and the median steps / samples it took.
import type { RunRow } from '../../../shared/api';
import { skillKey, TrainSpec } from '../../../shared/specs';
import type { CurriculumStudySpec } from '../../../shared/studies';
import type { PlannedRun, StudyKind } from './types';

export const curriculumKey = (regime: string, seed: number) => `${regime}/seed${seed}`;

/** Median of finished seeds, counting a seed that never learned as +∞ (so the median is null when
 *  half or more never learned: "typically not learned"). Unfinished seeds are left out. */
export function medianLearned(values: (number | null)[]): number | null {
  if (!values.length) return null;
  const xs = values.map((v) => (v === null ? Infinity : v)).sort((a, b) => a - b);
  const mid = xs.length / 2;
  const m = xs.length % 2 ? xs[Math.floor(mid)] : (xs[mid - 1] + xs[mid]) / 2;
  return Number.isFinite(m) ? m : null;
}

interface SeedResult {
  seed: number;
  runId: string | null;
  status: string;
  stepsToLearn: number | null;
  samplesToLearn: number | null;
  finalLossBits: number | null;
  steps: number | null;
}

function pickTarget(summary: Record<string, unknown> | null, field: string, target: string): number | null {
  const m = summary?.[field] as Record<string, number | null> | undefined;
  const v = m?.[target];
  return typeof v === 'number' ? v : null;
}

export const curriculumStudy: StudyKind<CurriculumStudySpec> = {
  plan(spec) {
    const runs: PlannedRun[] = [];
    for (const regime of spec.regimes) {
      for (const seed of spec.seeds) {
        const key = curriculumKey(regime.name, seed);
        runs.push({
          key,
          spec: TrainSpec.parse({
            ...spec.base, kind: 'train', name: `${spec.name ? `${spec.name}: ` : ''}${key}`,
            seed, target: spec.target, mixture: regime.mixture,
          }),
        });
      }
    }
    return runs;
  },

  summarize(spec, runs: RunRow[]) {
    const target = skillKey(spec.target);
    const byKey = new Map(runs.filter((r) => r.studyKey).map((r) => [r.studyKey!, r]));
    const regimes = spec.regimes.map((regime) => {
      const seeds: SeedResult[] = spec.seeds.map((seed) => {
        const run = byKey.get(curriculumKey(regime.name, seed));
        const s = run?.summary ?? null;
        return {
          seed,
          runId: run?.id ?? null,
          status: run?.status ?? 'missing',
          stepsToLearn: pickTarget(s, 'stepsToLearn', target),
          samplesToLearn: pickTarget(s, 'samplesToLearn', target),
          finalLossBits: pickTarget(s, 'finalLossBits', target),
          steps: typeof s?.steps === 'number' ? s.steps : null,
        };
      });
      // A seed counts once its run is done, or once it learned the target (even if later cancelled).
      const settled = seeds.filter((x) => x.status === 'done' || x.stepsToLearn !== null);
      const learned = settled.filter((x) => x.stepsToLearn !== null);
      return {
        regime: regime.name,
        seeds,
        finished: settled.length,
        learned: learned.length,
        learnedFraction: settled.length ? learned.length / settled.length : null,
        medianStepsToLearn: medianLearned(settled.map((x) => x.stepsToLearn)),
        medianSamplesToLearn: medianLearned(settled.map((x) => x.samplesToLearn)),
      };
    });
    return { target, steps: spec.base.steps, regimes };
  },
};
