// Running the suite's studies on the ordinary study service: find a study of the same spec that
// already ran (reuse it, or resume its unfinished runs), or create it. No runner of its own.
import type { StudyRow } from '../../../shared/api';
import { canonicalJson } from '../../../shared/canonicalJson';
import { StudySpec } from '../../../shared/studies';
import type { WhittleService } from '../api';
import { applyOverrides, findRecipe } from '../recipes';
import type { PlannedStudy } from './suite';

/** The study spec a planned study stands for (the recipe's spec with its overrides, validated). */
export function plannedSpec(p: PlannedStudy): StudySpec {
  const recipe = findRecipe(p.recipe);
  return StudySpec.parse(applyOverrides(recipe.spec, p.sets));
}

/** The newest study of exactly this spec: a finished one first, else one whose runs can go on. */
export function findExistingStudy(studies: StudyRow[], spec: StudySpec): StudyRow | null {
  const want = canonicalJson(spec);
  const same = studies.filter((s) => canonicalJson(s.spec) === want).sort((a, b) => b.createdAt - a.createdAt);
  return same.find((s) => s.status === 'done') ?? same[0] ?? null;
}

/** First start to last end of the study's runs, in seconds (null until one has ended). */
export function studyWallSeconds(svc: WhittleService, studyId: string): number | null {
  const runs = svc.store.listRuns({ studyId });
  const starts = runs.map((r) => r.startedAt).filter((t): t is number => t !== null);
  const ends = runs.map((r) => r.endedAt).filter((t): t is number => t !== null);
  if (!starts.length || !ends.length) return null;
  return (Math.max(...ends) - Math.min(...starts)) / 1000;
}

export type StudyStart = { study: StudyRow; reused: 'done' | 'resumed' | null; runIds: string[] };

/** Reuse a finished study of the same spec, resume one that was stopped, or create it. Returns the
 *  runs to follow (none when the study is already done). */
export async function startOrReuse(svc: WhittleService, spec: StudySpec, opts: { confirmed: boolean }): Promise<StudyStart> {
  const existing = findExistingStudy(await svc.listStudies(), spec);
  if (existing?.status === 'done') return { study: existing, reused: 'done', runIds: [] };
  if (existing) {
    const runs = svc.store.listRuns({ studyId: existing.id });
    // listStudies() has just marked runs of dead owners interrupted: what is still going belongs to a live process
    const elsewhere = runs.filter((r) => (r.status === 'queued' || r.status === 'running') && r.ownerPid !== process.pid);
    if (elsewhere.length) {
      throw new Error(`study ${existing.id} (${existing.name}) is being run by another process (pid ${elsewhere[0].ownerPid ?? 'Slurm'}): wait for it to finish, or 'whittle cancel ${existing.id}', then run this again`);
    }
    for (const r of runs) if (['cancelled', 'interrupted', 'failed'].includes(r.status)) await svc.resumeRun(r.id);
    return { study: await svc.getStudy(existing.id), reused: 'resumed', runIds: runs.filter((r) => r.status !== 'done').map((r) => r.id) };
  }
  const study = await svc.createStudy(spec, { confirmed: opts.confirmed });
  return { study, reused: null, runIds: study.runIds };
}
