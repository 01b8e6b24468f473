import { describe, expect, it } from 'vitest';
import type { AppInfo, RunRow } from '../../shared/api';
import { backendInUse } from './backend';

const info: AppInfo = { version: '1', home: '/h', backend: null, threads: null, workers: 2, mode: 'browser' };
const run = (id: string, status: RunRow['status'], backend: string | null, startedAt: number) =>
  ({ id, status, backend, startedAt } as RunRow);

describe('backendInUse', () => {
  it('shows what the runs used, not the app info read before any worker started', () => {
    expect(backendInUse([], info)).toBeNull();
    expect(backendInUse([run('a', 'done', 'wasm×2', 1)], info)).toEqual({ name: 'wasm', threads: 2, from: 'latest run' });
    expect(backendInUse([run('a', 'done', 'cpu×1', 5), run('b', 'running', 'tensorflow×4', 2)], info)).toEqual({ name: 'tensorflow', threads: 4, from: 'running' });
    expect(backendInUse([run('a', 'queued', null, 0)], { ...info, backend: 'wasm', threads: 1 })).toEqual({ name: 'wasm', threads: 1, from: 'app' });
  });
});
