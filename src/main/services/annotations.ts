// Notes and tags on runs: checks a patch or a search against the limits (runAnnotations.ts), naming
// the field at fault, and writes the patch through the store.
import type { RunFilter } from '../../shared/api';
import { annotationIssues, MAX_QUERY_LENGTH, MAX_TAGS_PER_RUN, type FieldIssue, type RunAnnotationPatch, tagProblem } from '../../shared/runAnnotations';
import { ApiError } from '../../shared/transport';
import type { RunInternal, Store } from './store';

function reject(issues: FieldIssue[]): never {
  throw new ApiError(`invalid ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, 'bad_request', issues);
}

/** Apply `patch` to run `run` (which the caller found); returns the run as stored afterwards. */
export function annotateRun(store: Store, run: RunInternal, patch: RunAnnotationPatch): RunInternal {
  if (patch == null || typeof patch !== 'object') reject([{ path: 'patch', message: 'expected { notes?, addTags?, removeTags? }' }]);
  const issues = annotationIssues(patch);
  if (issues.length) reject(issues);
  const tags = new Set(run.tags ?? []);
  for (const t of patch.addTags ?? []) tags.add(t);
  for (const t of patch.removeTags ?? []) tags.delete(t);
  if (tags.size > MAX_TAGS_PER_RUN) reject([{ path: 'addTags', message: `a run has at most ${MAX_TAGS_PER_RUN} tags (this would make ${tags.size})` }]);
  if (store.readonly) throw new ApiError(`the data folder ${store.home} is read-only: notes and tags cannot be saved`, 'conflict');
  store.annotateRun(run.id, patch);
  return store.getRun(run.id)!;
}

/** listRuns' search fields, checked before they reach SQL. */
export function checkRunFilter(filter: RunFilter): void {
  const issues: FieldIssue[] = [];
  if (filter.query !== undefined && (typeof filter.query !== 'string' || filter.query.length > MAX_QUERY_LENGTH)) {
    issues.push({ path: 'query', message: `the search text has at most ${MAX_QUERY_LENGTH} characters` });
  }
  (filter.tags ?? []).forEach((t, i) => {
    const p = typeof t === 'string' ? tagProblem(t) : 'a tag must be text';
    if (p) issues.push({ path: `tags[${i}]`, message: p });
  });
  if (issues.length) reject(issues);
}
