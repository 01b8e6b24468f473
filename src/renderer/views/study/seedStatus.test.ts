import { describe, expect, it } from 'vitest';
import type { RunRow } from '../../../shared/api';
import { seedStatus } from './seedStatus';

const run = (id: string, studyKey: string, status: string) => ({ id, studyKey, status }) as unknown as RunRow;

describe('curriculum seed status', () => {
  it('shows the live status of a queued or running seed, not the stale summary', () => {
    const runs = [run('r1', 'narrow/seed0', 'running'), run('r2', 'narrow/seed1', 'queued')];
    expect(seedStatus({ runId: null, status: 'missing' }, 'narrow/seed0', runs, 'running')).toEqual({ status: 'running', text: 'running', runId: 'r1' });
    expect(seedStatus({ runId: 'r2', status: 'missing' }, 'narrow/seed1', runs, 'running').text).toBe('queued');
  });

  it('says a seed with no run is still to come while the study runs, and missing after', () => {
    expect(seedStatus({ runId: null, status: 'missing' }, 'x/seed3', [], 'running').text).toBe('not started yet');
    expect(seedStatus({ runId: null, status: 'missing' }, 'x/seed3', [], 'done').text).toBe('no run (missing)');
  });
});
