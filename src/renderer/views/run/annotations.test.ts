import { describe, expect, it } from 'vitest';
import type { RunRow } from '../../../shared/api';
import type { RunAnnotationPatch } from '../../../shared/runAnnotations';
import { runRow } from '../../lib/stores/fixtures';
import { AnnotationEditor } from './annotations.svelte';

/** A save that applies the patch like the service would, recording what was sent. */
function server(start: Partial<RunRow> = {}) {
  let run = runRow({ notes: '', tags: [], ...start });
  const sent: RunAnnotationPatch[] = [];
  const save = async (p: RunAnnotationPatch): Promise<RunRow> => {
    sent.push(p);
    const tags = new Set(run.tags);
    for (const t of p.addTags ?? []) tags.add(t);
    for (const t of p.removeTags ?? []) tags.delete(t);
    run = { ...run, notes: p.notes ?? run.notes, tags: [...tags].sort() };
    return run;
  };
  return { save, sent, get run() { return run; } };
}

describe('AnnotationEditor', () => {
  it('adds typed tags (spaces, commas, #) and removes one', async () => {
    const srv = server({ tags: ['old'] });
    const ed = new AnnotationEditor(srv.save, srv.run);
    ed.tagInput = '#baseline, lr:3e-4 old';
    expect(await ed.addTags()).toBe(true);
    expect(srv.sent).toEqual([{ addTags: ['baseline', 'lr:3e-4'] }]); // 'old' is already there
    expect(ed.tags).toEqual(['baseline', 'lr:3e-4', 'old']);
    expect(ed.tagInput).toBe('');
    expect(await ed.removeTag('old')).toBe(true);
    expect(ed.tags).toEqual(['baseline', 'lr:3e-4']);
  });

  it('says what is wrong with a tag at the field and sends nothing', async () => {
    const srv = server();
    const ed = new AnnotationEditor(srv.save, srv.run);
    ed.tagInput = 'ok bad!';
    expect(await ed.addTags()).toBe(false);
    expect(ed.tagError).toMatch(/^'bad!' is not a valid tag/);
    ed.tagInput = '   ';
    expect(await ed.addTags()).toBe(false);
    expect(ed.tagError).toBe('Type a tag first.');
    ed.tagInput = 'x'.repeat(41);
    await ed.addTags();
    expect(ed.tagError).toMatch(/^A tag has at most 40 characters/);
    expect(srv.sent).toEqual([]);
  });

  it('saves notes, refuses notes that are too long, and shows a server error at the field', async () => {
    const srv = server();
    const ed = new AnnotationEditor(srv.save, srv.run);
    ed.editNotes('first try');
    expect(ed.dirty).toBe(true);
    expect(await ed.saveNotes()).toBe(true);
    expect([ed.dirty, ed.notesSaved, srv.run.notes]).toEqual([false, true, 'first try']);
    ed.editNotes('n'.repeat(10_001));
    expect(ed.notesError).toMatch(/at most 10000 characters/);
    expect(await ed.saveNotes()).toBe(false);
    expect(srv.sent).toHaveLength(1);

    const failing = new AnnotationEditor(async () => { throw new Error('the data folder is read-only'); }, runRow());
    failing.editNotes('x');
    expect(await failing.saveNotes()).toBe(false);
    expect(failing.notesError).toBe('the data folder is read-only');
    expect(failing.dirty).toBe(true); // the text is kept to try again
  });

  it('follows changes made elsewhere without losing notes being edited', () => {
    const ed = new AnnotationEditor(async () => runRow(), runRow({ notes: 'a', tags: [] }));
    ed.sync({ notes: 'b', tags: ['cli'] });
    expect([ed.notes, ed.tags]).toEqual(['b', ['cli']]);
    ed.editNotes('mine');
    ed.sync({ notes: 'c', tags: ['cli'] });
    expect([ed.notes, ed.saved, ed.dirty]).toEqual(['mine', 'c', true]);
  });
});
