// The notes-and-tags editor of one run: a draft of the notes, the tag being typed, and the errors
// of each field, checked here with the same rules as the service before anything is sent.
import type { RunRow } from '../../../shared/api';
import { MAX_TAGS_PER_RUN, notesProblem, type RunAnnotationPatch, splitTags, tagProblem } from '../../../shared/runAnnotations';

export class AnnotationEditor {
  /** What the text box holds; `saved` is the run's notes as last seen. */
  notes = $state('');
  saved = $state('');
  tags = $state<string[]>([]);
  /** The tag input: one or more tags separated by spaces or commas. */
  tagInput = $state('');
  tagError = $state<string | null>(null);
  notesError = $state<string | null>(null);
  saving = $state(false);
  /** A short confirmation after the notes were saved. */
  notesSaved = $state(false);

  constructor(private readonly save: (patch: RunAnnotationPatch) => Promise<RunRow>, run: Pick<RunRow, 'notes' | 'tags'>) {
    this.notes = this.saved = run.notes ?? '';
    this.tags = [...(run.tags ?? [])];
  }

  get dirty(): boolean { return this.notes !== this.saved; }

  /** The run changed (a push event, another window, the CLI): take its tags, and its notes unless
   *  the person is editing them. */
  sync(run: Pick<RunRow, 'notes' | 'tags'>): void {
    this.tags = [...(run.tags ?? [])];
    const notes = run.notes ?? '';
    if (!this.dirty) this.notes = notes;
    this.saved = notes;
  }

  editNotes(text: string): void {
    this.notes = text;
    this.notesSaved = false;
    this.notesError = notesProblem(text);
  }

  async addTags(): Promise<boolean> {
    const wanted = splitTags(this.tagInput);
    if (!wanted.length) { this.tagError = 'Type a tag first.'; return false; }
    const bad = wanted.map(tagProblem).find((p) => p !== null);
    if (bad) { this.tagError = `${bad[0].toUpperCase()}${bad.slice(1)}.`; return false; }
    const fresh = wanted.filter((t) => !this.tags.includes(t));
    if (this.tags.length + fresh.length > MAX_TAGS_PER_RUN) { this.tagError = `A run has at most ${MAX_TAGS_PER_RUN} tags.`; return false; }
    if (!fresh.length) { this.tagInput = ''; this.tagError = null; return true; }
    const ok = await this.send({ addTags: fresh }, 'tag');
    if (ok) this.tagInput = '';
    return ok;
  }

  removeTag(tag: string): Promise<boolean> {
    return this.send({ removeTags: [tag] }, 'tag');
  }

  async saveNotes(): Promise<boolean> {
    if (this.notesError) return false;
    const ok = await this.send({ notes: this.notes }, 'notes');
    this.notesSaved = ok;
    return ok;
  }

  private async send(patch: RunAnnotationPatch, field: 'tag' | 'notes'): Promise<boolean> {
    this.saving = true;
    try {
      const row = await this.save(patch);
      if (patch.notes !== undefined) this.saved = this.notes = row.notes ?? '';
      this.tags = [...(row.tags ?? [])];
      if (field === 'tag') this.tagError = null; else this.notesError = null;
      return true;
    } catch (e) {
      const message = (e as Error).message;
      if (field === 'tag') this.tagError = message; else this.notesError = message;
      return false;
    } finally {
      this.saving = false;
    }
  }
}
