// Notes and tags on runs: the limits every interface (GUI, CLI, HTTP, IPC) checks against, in one place.

/** A tag: a letter or digit, then letters, digits and `. _ : / -`; at most 40 characters. Tags are
 *  compared exactly (case-sensitive), so `#baseline` in one place is `#baseline` everywhere. */
export const TAG_PATTERN = /^[\p{L}\p{N}][\p{L}\p{N}._:/-]*$/u;
export const MAX_TAG_LENGTH = 40;
export const MAX_TAGS_PER_RUN = 32;
export const MAX_NOTES_LENGTH = 10_000;
/** The longest search text listRuns accepts (a search box, not a document). */
export const MAX_QUERY_LENGTH = 200;

/** What to change on a run: notes replaced when given; tags added, then removed. */
export interface RunAnnotationPatch { notes?: string; addTags?: string[]; removeTags?: string[] }

export interface FieldIssue { path: string; message: string }

/** Why `tag` is not a valid tag, in words; null when it is. */
export function tagProblem(tag: string): string | null {
  if (tag.length === 0) return 'a tag cannot be empty';
  if (tag.length > MAX_TAG_LENGTH) return `a tag has at most ${MAX_TAG_LENGTH} characters (this one has ${tag.length})`;
  if (!TAG_PATTERN.test(tag)) return `'${tag}' is not a valid tag: use letters, digits and . _ : / - (starting with a letter or digit, no spaces)`;
  return null;
}

export function notesProblem(notes: string): string | null {
  return notes.length > MAX_NOTES_LENGTH ? `notes have at most ${MAX_NOTES_LENGTH} characters (these have ${notes.length})` : null;
}

/** Every problem with a patch, each naming its field (`addTags[1]`, `notes`). */
export function annotationIssues(patch: RunAnnotationPatch): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (patch.notes !== undefined) {
    const p = typeof patch.notes === 'string' ? notesProblem(patch.notes) : 'notes must be text';
    if (p) issues.push({ path: 'notes', message: p });
  }
  for (const field of ['addTags', 'removeTags'] as const) {
    const tags = patch[field];
    if (tags === undefined) continue;
    if (!Array.isArray(tags)) { issues.push({ path: field, message: `${field} must be a list of tags` }); continue; }
    tags.forEach((t, i) => {
      const p = typeof t === 'string' ? tagProblem(t) : 'a tag must be text';
      if (p) issues.push({ path: `${field}[${i}]`, message: p });
    });
  }
  return issues;
}

/** Splits what a person typed (`baseline, lr:3e-4  #ablation`) into tags: commas or spaces separate
 *  them, a leading `#` is dropped, duplicates are kept once. Validation is separate (tagProblem). */
export function splitTags(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).map((t) => t.replace(/^#/, '')).filter((t) => t.length > 0))];
}
