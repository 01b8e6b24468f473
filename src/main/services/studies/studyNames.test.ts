// Two studies could share a name (a recipe run twice), and lists could not tell them apart.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tmpHome } from '../../../../test/helpers/tmp';
import { WhittleService } from '../api';
import { uniqueName } from './uniqueName';

const services: WhittleService[] = [];
afterEach(async () => { await Promise.all(services.splice(0).map((s) => s.close())); });

describe('study names', () => {
  it('picks the first free "name (n)"', () => {
    expect(uniqueName('a', [])).toBe('a');
    expect(uniqueName('a', ['a'])).toBe('a (2)');
    expect(uniqueName('a', ['a', 'a (2)', 'a (4)'])).toBe('a (3)');
  });

  it('a recipe started twice makes two studies with different names, and their runs follow them', async () => {
    const svc = new WhittleService({ home: tmpHome(), workers: 1 });
    services.push(svc);
    const recipe = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../../resources/recipes/curriculum-cpu.json'), 'utf8'));
    const first = await svc.createStudy(recipe.spec, { confirmed: true });
    const second = await svc.createStudy(recipe.spec, { confirmed: true });
    await svc.cancelStudy(first.id);
    await svc.cancelStudy(second.id);
    expect(first.name).toBe('curriculum-cpu');
    expect(second.name).toBe('curriculum-cpu (2)');
    expect(new Set((await svc.listStudies()).map((s) => s.name)).size).toBe(2);
    const runs = await svc.listRuns({ studyId: second.id });
    expect(runs.length).toBeGreaterThan(0);
    for (const r of runs) expect(r.name.startsWith('curriculum-cpu (2)/')).toBe(true);
  });
});
