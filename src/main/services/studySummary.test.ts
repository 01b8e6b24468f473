// A new study's summary is written over the runs it just created: its seeds read 'queued' from
// the start, not 'missing' (#16 item 3: queued or running curriculum seeds were shown as missing).
import { afterEach, describe, expect, it } from 'vitest';
import { tmpHome } from '../../../test/helpers/tmp';
import { WhittleService } from './api';

const cleanup: (() => unknown)[] = [];
afterEach(async () => { for (const c of cleanup.splice(0).reverse()) await c(); });

describe('study summary at creation', () => {
  it('lists every curriculum seed with its queued run', async () => {
    const svc = new WhittleService({ home: tmpHome(), workers: 1 });
    cleanup.push(() => svc.close());
    const study = await svc.createStudy({
      kind: 'curriculum', name: 'seeds',
      base: { task: { suite: 'cmsp', m: 4, n: 8, k: 2 }, model: { arch: 'mlp', hidden: [8] }, steps: 5, eval: { every: 5, samples: 50 } },
      target: [0, 1], regimes: [{ name: 'narrow', mixture: [{ skill: [0, 1], perStep: 16 }] }], seeds: [0, 1],
    });
    const seeds = (study.summary as { regimes: { seeds: { status: string; runId: string | null }[] }[] }).regimes[0].seeds;
    expect(seeds).toHaveLength(2);
    for (const s of seeds) {
      expect(s.status).toBe('queued');
      expect(s.runId).not.toBeNull();
    }
    for (const s of await svc.listStudies()) if (s.id === study.id) await svc.cancelStudy(study.id);
  });
});
