// `whittle reproduce --rerender` through the real CLI, as docs/reproduce/README.md tells a user to run
// it (--scale reference, a report folder, a data folder): a stored report (in --out, or by default in
// <data folder>/reproduce/<scale>) is written again from the study it names with today's notes and rows, keeping the run's date; a --scale the report was not
// made at is a usage error. Oracle: the hand-made frontier summary's ratios (scratch 400 ÷ pruning
// 100 = 4, scratch 400 ÷ distillation 200 = 2); nothing runs, so no prerequisites.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeReproduceReport } from '../src/main/services/reproduce/report';
import { plannedSpec } from '../src/main/services/reproduce/studies';
import { SUITE } from '../src/main/services/reproduce/suite';
import { Store } from '../src/main/services/store';
import { whittle } from './helpers/cli';
import { tmpHome } from './helpers/tmp';

describe('whittle reproduce --rerender', () => {
  it("writes a stored report again from its study with today's code; a mismatched --scale is a usage error", async () => {
    const home = tmpHome();
    const out = path.join(home, 'reference-report');
    const def = SUITE.find((d) => d.name === 'frontier-cmsp')!;
    const store = new Store(home);
    try {
      store.insertStudy({ id: 's1', name: 'compare cmsp (reference)', spec: plannedSpec(def.studies('reference', 1)[0]) });
      store.setStudySummary('s1', {
        sizes: [16],
        frontier: {
          attribution: [{ size: 16, samplesToTarget: 100, status: 'done' }],
          distill: [{ size: 16, samplesToTarget: 200, status: 'done' }],
          scratch: [{ size: 16, samplesToTarget: 400, status: 'done' }],
        },
      });
    } finally { store.close(); }
    writeReproduceReport(out, {
      scale: 'reference', generatedAt: '2026-12-06T20:56:49.762Z', invocationSeconds: 592,
      machine: { cpus: 2, cpuModel: 'AMD EPYC', loadAverage: [4, 5, 6], node: '20.20.2', backend: 'wasm' },
      results: [{
        def: { name: 'frontier-cmsp', title: 'old title', figure: 'old', note: 'an old note the code no longer writes' }, missing: null, wallSeconds: 592, rows: [], charts: [],
        studies: [{ id: 's1', name: 'compare cmsp (reference)', status: 'done', seed: 0, wallSeconds: 592, reused: false, runs: 31 }],
      }],
    });

    const wrong = await whittle(['reproduce', '--rerender', '--scale', 'cpu', '--out', out, '--home', home]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain(`--scale cpu does not match ${path.join(out, 'report.json')} (scale reference)`);

    const r = await whittle(['reproduce', '--rerender', '--scale', 'reference', '--out', out, '--home', home]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('re-rendered the reference-scale report of 2026-12-06T20:56:49.762Z');
    const rep = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'));
    expect(rep.generatedAt).toBe('2026-12-06T20:56:49.762Z');
    expect(rep.results[0].def.note).toBe(def.note);
    expect(rep.results[0].rows.map((x: { key: string; perSeed: { value: number }[] }) => [x.key, x.perSeed.map((s) => s.value)]))
      .toEqual([['frontierPruneVsScratch', [4]], ['frontierDistillVsScratch', [2]]]);
    const md = fs.readFileSync(path.join(out, 'report.md'), 'utf8');
    expect(md).toContain(def.note);
    expect(md).not.toContain('an old note');
    expect(fs.existsSync(path.join(out, 'charts', 'frontier-cmsp-frontier.svg'))).toBe(true);

    // without --out it re-renders <data folder>/reproduce/<scale>, where a run without --out writes
    const dflt = path.join(home, 'reproduce', 'reference');
    fs.cpSync(out, dflt, { recursive: true });
    fs.rmSync(path.join(dflt, 'report.md'));
    const d = await whittle(['reproduce', '--rerender', '--scale', 'reference', '--home', home, '--json']);
    expect(d.code, d.stderr).toBe(0);
    expect(JSON.parse(d.stdout).report.markdown).toBe(path.join(dflt, 'report.md'));
    expect(fs.readFileSync(path.join(dflt, 'report.md'), 'utf8')).toBe(md);
  }, 60_000);
});
