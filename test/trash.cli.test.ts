// `whittle rm` and `whittle trash` as a user runs them (#16 item 6): rm names what depends on a run
// and refuses to leave it dangling; --with-dependents deletes them together into the trash; `trash
// restore` gives them back; --now and `trash empty` delete for good.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunSpec } from '../src/shared/specs';
import { Store } from '../src/main/services/store';
import { whittle } from './helpers/cli';
import { tmpHome } from './helpers/tmp';

const SPEC = { kind: 'train', task: { suite: 'cmsp', m: 4, n: 8, k: 2 }, model: { arch: 'mlp', hidden: [8] }, mixture: [{ skill: [0], perStep: 8 }], target: [0], steps: 2 } as unknown as RunSpec;
const homes: string[] = [];
afterAll(() => { for (const h of homes) fs.rmSync(h, { recursive: true, force: true }); });

/** A finished teacher with files and a finished run that uses it. */
function home(): string {
  const h = tmpHome('whittle-trash-cli-');
  homes.push(h);
  const s = new Store(h);
  try {
    for (const [id, deps] of [['rTeacher', []], ['rStudent', ['rTeacher']]] as [string, string[]][]) {
      s.insertRun({ id, name: id.slice(1).toLowerCase(), spec: SPEC, dependsOn: deps });
      s.updateRun(id, { status: 'done', endedAt: Date.now() });
      s.insertMetrics(id, [{ step: 1, key: 'loss', value: 0.5 }]);
      fs.mkdirSync(s.runDir(id), { recursive: true });
      fs.writeFileSync(path.join(s.runDir(id), 'model.safetensors'), id);
    }
  } finally {
    s.close();
  }
  return h;
}

const ids = async (h: string) => (JSON.parse((await whittle(['runs', '--home', h, '--json'])).stdout) as { id: string }[]).map((r) => r.id).sort();

describe('whittle rm and whittle trash', () => {
  it('rm names the dependents (exit 2, nothing deleted); --with-dependents moves both to the trash; trash restore gives them back', async () => {
    const h = home();
    const refused = await whittle(['rm', 'rTeacher', '--home', h]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/run rTeacher has dependents: run rStudent \(student\); delete them too \(`whittle rm --with-dependents`\)/);
    expect(await ids(h)).toEqual(['rStudent', 'rTeacher']);

    const rm = await whittle(['rm', 'rTeacher', '--with-dependents', '--home', h]);
    expect(rm.code, rm.stderr).toBe(0);
    const trashId = /in the trash as (t\w+)/.exec(rm.stdout)?.[1];
    expect(trashId, rm.stdout).toBeTruthy();
    expect(rm.stdout).toContain(`\`whittle trash restore ${trashId}\` undoes it`);
    expect(await ids(h)).toEqual([]);
    const ls = await whittle(['trash', 'ls', '--home', h, '--json']);
    expect(JSON.parse(ls.stdout)).toEqual([expect.objectContaining({ id: trashId, label: 'run “teacher” and 1 dependent' })]);
    expect((await whittle(['trash', '--home', h])).stdout).toContain(trashId);

    const restore = await whittle(['trash', 'restore', trashId!, '--home', h]);
    expect(restore.code, restore.stderr).toBe(0);
    expect(await ids(h)).toEqual(['rStudent', 'rTeacher']);
    expect(fs.readFileSync(path.join(h, 'runs', 'rTeacher', 'model.safetensors'), 'utf8')).toBe('rTeacher');
    expect(JSON.parse((await whittle(['metrics', 'rTeacher', '--home', h, '--json'])).stdout).series.loss).toHaveLength(1);
    expect((await whittle(['trash', 'restore', trashId!, '--home', h])).stderr).toContain(`trash entry '${trashId}' not found`);
  }, 400_000);

  it('--now deletes for good; trash empty frees what the trash holds; --help documents both', async () => {
    const h = home();
    expect((await whittle(['rm', 'rStudent', '--home', h])).code).toBe(0);
    expect(fs.existsSync(path.join(h, 'trash', 'rStudent'))).toBe(true);
    const empty = await whittle(['trash', 'empty', '--home', h]);
    expect(empty.code, empty.stderr).toBe(0);
    expect(empty.stdout).toMatch(/deleted for good: t\w+ \(run “student”\)/);
    expect(fs.existsSync(path.join(h, 'trash', 'rStudent'))).toBe(false);
    const now = await whittle(['rm', 'rTeacher', '--now', '--home', h]);
    expect(now.code, now.stderr).toBe(0);
    expect(now.stdout).toContain('deleted rTeacher for good');
    expect(fs.existsSync(path.join(h, 'runs', 'rTeacher'))).toBe(false);
    expect(JSON.parse((await whittle(['trash', 'ls', '--home', h, '--json'])).stdout)).toEqual([]);
    const help = await whittle(['--help']);
    expect(help.stdout).toMatch(/trash .*restore/);
    const rmHelp = await whittle(['rm', '--help']);
    expect(rmHelp.stdout).toMatch(/--with-dependents/);
    expect(rmHelp.stdout).toMatch(/--now/);
  }, 400_000);
});
