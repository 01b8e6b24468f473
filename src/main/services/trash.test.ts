// #16 item 6: deleting a run names what depends on it (its study, runs using it, exports made from
// it), deletes them together only when asked, and the trash gives back exactly what was deleted.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunSpec } from '../../shared/specs';
import type { StudySpec } from '../../shared/studies';
import { fillDisk, tmpfs } from '../../../test/helpers/disk';
import { need } from '../../../test/helpers/prereqs';
import { tmpHome } from '../../../test/helpers/tmp';
import { WhittleService } from './api';

const spec = { kind: 'train', task: { suite: 'cmsp', m: 4, n: 8, k: 2 }, model: { arch: 'mlp', hidden: [8] }, mixture: [{ skill: [0], perStep: 8 }], target: [0], steps: 2 } as unknown as RunSpec;
const services: WhittleService[] = [];
const unmounts: (() => void)[] = [];
afterEach(async () => {
  for (const s of services.splice(0)) await s.close();
  for (const u of unmounts.splice(0)) u();
});

function open(home: string): WhittleService {
  const svc = new WhittleService({ home, workers: 1 });
  services.push(svc);
  return svc;
}

/** A study with a teacher and a student, a run outside it that uses the teacher, an export of that
 *  run, and an unrelated run: every run finished, with files, metrics, logs and artifacts. */
function populate(svc: WhittleService) {
  const s = svc.store;
  s.insertStudy({ id: 'sCmp', name: 'compare widths', spec: { kind: 'compare' } as unknown as StudySpec });
  const runs: [string, string, Record<string, unknown>, string[]][] = [
    ['rTeacher', 'compare widths/teacher', { studyId: 'sCmp', studyKey: 'teacher' }, []],
    ['rStudent', 'compare widths/student', { studyId: 'sCmp', studyKey: 'student' }, ['rTeacher']],
    ['rChild', 'distilled elsewhere', {}, ['rTeacher']],
    ['rExport', 'export distilled elsewhere', {}, ['rChild']],
    ['rOther', 'unrelated', {}, []],
  ];
  for (const [id, name, extra, deps] of runs) {
    const runSpec = id === 'rExport' ? { kind: 'export', inputs: { source: 'rChild' }, formats: ['onnx'], out: '/tmp/somewhere/model' } as unknown as RunSpec : spec;
    s.insertRun({ id, name, spec: runSpec, dependsOn: deps, ...extra });
    s.updateRun(id, { status: 'done', endedAt: 1000, summary: { finalLossBits: 0.5 } });
    s.insertMetrics(id, [{ step: 1, key: 'loss', value: 0.7, samples: 8 }, { step: 2, key: 'loss', value: 0.5, samples: 16 }]);
    s.addLog(id, 'info', `hello from ${id}`);
    s.addArtifact({ runId: id, kind: 'model', path: path.join(s.runDir(id), 'model.safetensors'), bytes: 5, sha256: 'abc' });
    fs.mkdirSync(s.runDir(id), { recursive: true });
    fs.writeFileSync(path.join(s.runDir(id), 'model.safetensors'), `model ${id}`);
  }
}

/** Everything the database and the run folders hold, to compare before a delete and after a restore. */
function snapshot(svc: WhittleService) {
  const db = svc.store.db;
  const files = (id: string) => { const d = svc.store.runDir(id); return fs.existsSync(d) ? fs.readdirSync(d).map((f) => [f, fs.readFileSync(path.join(d, f), 'utf8')]) : null; };
  const runs = db.prepare('SELECT * FROM runs ORDER BY id').all() as { id: string }[];
  return {
    runs, studies: db.prepare('SELECT * FROM studies ORDER BY id').all(),
    metrics: db.prepare('SELECT * FROM metrics ORDER BY run_id, key, step').all(),
    events: db.prepare('SELECT * FROM events ORDER BY id').all(),
    artifacts: db.prepare('SELECT * FROM artifacts ORDER BY id').all(),
    files: runs.map((r) => [r.id, files(r.id)]),
  };
}

describe('delete with dependents, and the trash', () => {
  it('names what depends on a study\'s teacher, refuses to leave it dangling, deletes it all on request, and restores the same rows, metrics and files', async () => {
    const svc = open(tmpHome('whittle-trash-'));
    populate(svc);
    const before = snapshot(svc);

    const plan = await svc.deletePlan({ run: 'rTeacher' });
    expect(plan.blocked).toBeNull();
    expect(plan.runs.map((r) => r.id)).toEqual(['rTeacher']);
    expect(plan.dependents.studies.map((s) => s.name)).toEqual(['compare widths']);
    expect(plan.dependents.runs.map((r) => r.id).sort()).toEqual(['rChild', 'rStudent']);
    expect(plan.dependents.runs.find((r) => r.id === 'rChild')!.why).toBe('uses “compare widths/teacher” as an input');
    expect(plan.dependents.exports).toEqual([expect.objectContaining({ id: 'rExport', dir: '/tmp/somewhere/model' })]);

    // The reported bug: deleting the teacher left the study pointing to "run … not found".
    await expect(svc.deleteRun('rTeacher')).rejects.toThrow(/has dependents: study “compare widths”, run rStudent .*run rChild .*export rExport/);
    expect(snapshot(svc)).toEqual(before);

    const res = await svc.deleteRun('rTeacher', { withDependents: true });
    expect(res.runs.sort()).toEqual(['rChild', 'rExport', 'rStudent', 'rTeacher']);
    expect(res.studies).toEqual(['sCmp']);
    expect(res.trash!.label).toBe('run “compare widths/teacher” and 4 dependents');
    expect((await svc.listRuns()).map((r) => r.id)).toEqual(['rOther']);
    expect(await svc.listStudies()).toEqual([]);
    await expect(svc.getRun('rStudent')).rejects.toThrow(/not found/);
    await expect(svc.getStudy('sCmp')).rejects.toThrow(/not found/);
    expect(fs.existsSync(svc.store.runDir('rTeacher'))).toBe(false);
    expect(fs.readFileSync(path.join(svc.store.home, 'trash', 'rTeacher', 'model.safetensors'), 'utf8')).toBe('model rTeacher');
    const trash = await svc.listTrash();
    expect(trash.map((t) => t.id)).toEqual([res.trash!.id]);
    expect(trash[0].expiresAt - trash[0].deletedAt).toBe(7 * 24 * 3600 * 1000);
    expect(trash[0].studies).toEqual([{ id: 'sCmp', name: 'compare widths' }]);

    await svc.restoreTrash(res.trash!.id);
    expect(snapshot(svc)).toEqual(before);
    expect(await svc.listTrash()).toEqual([]);
    expect((await svc.getStudy('sCmp')).runIds).toEqual(['rTeacher', 'rStudent']);
  });

  it('a study can be deleted with its runs; a run outside it that uses one is a dependent', async () => {
    const svc = open(tmpHome('whittle-trash-'));
    populate(svc);
    const plan = await svc.deletePlan({ study: 'sCmp' });
    expect(plan.target).toEqual({ type: 'study', id: 'sCmp', name: 'compare widths' });
    expect(plan.runs.map((r) => r.id).sort()).toEqual(['rStudent', 'rTeacher']);
    expect(plan.dependents.runs.map((r) => r.id)).toEqual(['rChild']);
    await expect(svc.deleteStudy('sCmp')).rejects.toThrow(/study sCmp has dependents: run rChild/);
    // Without the outside run, the study goes alone.
    await svc.deleteRun('rExport');
    await svc.deleteRun('rChild');
    const res = await svc.deleteStudy('sCmp');
    expect(res.studies).toEqual(['sCmp']);
    expect((await svc.listRuns()).map((r) => r.id)).toEqual(['rOther']);
    // Restoring the child before its teacher's study would leave it dangling: refused.
    const [studyEntry, childEntry] = await svc.listTrash();
    expect(studyEntry.id).toBe(res.trash!.id);
    await expect(svc.restoreTrash(childEntry.id)).rejects.toThrow(/rChild needs run rTeacher, which is in another trash entry/);
    await svc.restoreTrash(studyEntry.id);
    await svc.restoreTrash(childEntry.id);
    expect((await svc.listRuns()).map((r) => r.id).sort()).toEqual(['rChild', 'rOther', 'rStudent', 'rTeacher']);
  });

  it('a queued or running run among them blocks the delete; nothing is deleted', async () => {
    const svc = open(tmpHome('whittle-trash-'));
    populate(svc);
    expect(svc.store.transition('rChild', ['done'], 'running', { ownerPid: process.pid })).toBe(true);
    const plan = await svc.deletePlan({ run: 'rTeacher' });
    expect(plan.blocked).toMatch(/run rChild \(distilled elsewhere\) is running; cancel it first/);
    await expect(svc.deleteRun('rTeacher', { withDependents: true })).rejects.toThrow(/is running; cancel it first/);
    expect((await svc.listRuns()).length).toBe(5);
  });

  it('`now` and emptying delete for good (files first); entries older than 7 days go when the service opens', async () => {
    const home = tmpHome('whittle-trash-');
    const svc = open(home);
    populate(svc);
    const now = await svc.deleteRun('rOther', { now: true });
    expect(now.trash).toBeNull();
    expect(fs.existsSync(svc.store.runDir('rOther'))).toBe(false);
    expect(svc.store.db.prepare("SELECT COUNT(*) AS n FROM metrics WHERE run_id = 'rOther'").get()).toEqual({ n: 0 });

    const old = (await svc.deleteRun('rExport')).trash!;
    const recent = (await svc.deleteRun('rChild')).trash!;
    // Eight days ago: expired at the next open. The recent one stays.
    svc.store.db.prepare('UPDATE trash SET deleted_at = ? WHERE id = ?').run(Date.now() - 8 * 24 * 3600 * 1000, old.id);
    await svc.close();
    services.splice(services.indexOf(svc), 1);
    const again = open(home);
    expect((await again.listTrash()).map((t) => t.id)).toEqual([recent.id]);
    expect(fs.existsSync(path.join(home, 'trash', 'rExport'))).toBe(false);
    expect(again.store.db.prepare("SELECT COUNT(*) AS n FROM runs WHERE id = 'rExport'").get()).toEqual({ n: 0 });
    expect(fs.existsSync(path.join(home, 'trash', 'rChild'))).toBe(true);
    // A service that stays open expires entries when the trash is listed.
    again.store.db.prepare('UPDATE trash SET deleted_at = ? WHERE id = ?').run(Date.now() - 8 * 24 * 3600 * 1000, recent.id);
    expect(await again.listTrash()).toEqual([]);
    expect(fs.existsSync(path.join(home, 'trash', 'rChild'))).toBe(false);

    const last = (await again.deleteStudy('sCmp')).trash!;
    expect((await again.emptyTrash()).map((t) => t.id)).toEqual([last.id]);
    expect(fs.readdirSync(path.join(home, 'trash'))).toEqual([]);
    expect(again.store.db.prepare('SELECT COUNT(*) AS n FROM runs WHERE trash_id IS NOT NULL').get()).toEqual({ n: 0 });
    expect(again.store.db.prepare("SELECT COUNT(*) AS n FROM metrics WHERE run_id IN ('rChild', 'rTeacher', 'rStudent')").get()).toEqual({ n: 0 });
  });

  it('on a full disk: deleting to the trash needs no space; emptying it and `now` free the space', async (t) => {
    if (!need('tmpfsMount', import.meta.url)) return t.skip('cannot mount a tmpfs to fill');
    const home = path.join(tmpfs('16m', (fn) => unmounts.push(fn)), 'home');
    const svc = open(home);
    populate(svc);
    const MiB = 1024 * 1024;
    for (const id of ['rOther', 'rChild', 'rExport']) fs.writeFileSync(path.join(svc.store.runDir(id), 'checkpoint.bin'), Buffer.alloc(2 * MiB, 1));
    fillDisk(home, 0);
    const free = () => { const st = fs.statfsSync(home); return st.bavail * st.bsize; };
    const before = free();
    const res = await svc.deleteRun('rOther');
    expect(res.trash).not.toBeNull();
    expect(fs.statSync(path.join(home, 'trash', 'rOther', 'checkpoint.bin')).size).toBe(2 * MiB);
    await svc.emptyTrash();
    expect(free() - before).toBeGreaterThanOrEqual(2 * MiB);
    const mid = free();
    await svc.deleteRun('rChild', { withDependents: true, now: true });
    // Their 4 MiB of files, less what the WAL took to record the deletes.
    expect(free() - mid).toBeGreaterThan(3.5 * MiB);
    expect((await svc.listRuns()).map((r) => r.id).sort()).toEqual(['rStudent', 'rTeacher']);
  });
});

