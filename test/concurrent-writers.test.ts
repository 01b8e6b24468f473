// Several processes writing one data folder at once (the CLI while the app or `whittle serve` runs;
// `whittle reproduce` beside a `whittle study`): every write waits its turn instead of failing with
// "database is locked", and a new folder is migrated once, not by each process.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../src/main/services/store';
import { tmpHome } from './helpers/tmp';

const FIXTURE = path.join(import.meta.dirname, 'fixtures', 'concurrentStudies.ts');

function createStudies(home: string, count: number): Promise<{ created: number; errors: string[]; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', FIXTURE, home, String(count)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    p.on('error', reject);
    p.on('close', (code) => {
      try { resolve({ ...JSON.parse(out.trim().split('\n').pop() ?? ''), stderr: err }); } catch { reject(new Error(`exit ${code}: ${err.slice(-2000)}`)); }
    });
  });
}

describe('one data folder, several writing processes', () => {
  it('three processes create studies at once in a new folder: every study is created, none fails', async () => {
    const home = tmpHome();
    const results = await Promise.all([0, 1, 2].map(() => createStudies(home, 12)));
    for (const r of results) expect(r, r.stderr).toMatchObject({ created: 12, errors: [] });
    const store = new Store(home);
    try {
      expect(store.listStudies()).toHaveLength(36);
    } finally { store.close(); }
  }, 120_000);
});
