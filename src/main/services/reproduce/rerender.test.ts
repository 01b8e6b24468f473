// Re-rendering a stored report: rows, verdicts, charts, notes and evidence come from today's code
// and the studies the report names; the run's own facts (date, machine, times, studies, missing)
// stay as stored. Oracle: the ratios of a hand-made frontier summary (scratch 400 ÷ pruning 100 = 4,
// scratch 400 ÷ distillation 200 = 2).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { StudyRow } from '../../../shared/api';
import { EVIDENCE } from './evidence';
import { writeReproduceReport } from './report';
import { parseStoredReport, rerenderReport, type StoredReport } from './rerender';
import { SUITE } from './suite';

const study: StudyRow = {
  id: 's1', name: 'compare cmsp (reference)', kind: 'compare', status: 'done', createdAt: 1, runIds: [],
  spec: { seed: 0, scratch: { steps: 1000, batch: 64 }, distill: { train: { steps: 1000, batch: 64 } } } as unknown as StudyRow['spec'],
  summary: {
    sizes: [16],
    frontier: {
      attribution: [{ size: 16, samplesToTarget: 100, status: 'done' }],
      distill: [{ size: 16, samplesToTarget: 200, status: 'done' }],
      scratch: [{ size: 16, samplesToTarget: 400, status: 'done' }],
    },
  },
};

const stored = (): StoredReport => ({
  scale: 'reference', generatedAt: '2026-12-06T20:56:49.762Z', invocationSeconds: 592,
  machine: { cpus: 2, cpuModel: 'AMD EPYC', loadAverage: [4, 5, 6], node: '20.20.2', backend: 'wasm' },
  results: [
    { def: { name: 'frontier-cmsp', title: 'old title', figure: 'old', note: 'an old note the code no longer writes' }, missing: null, wallSeconds: 592, rows: [], evidence: 'old evidence',
      studies: [{ id: 's1', name: 'compare cmsp (reference)', status: 'done', seed: 0, wallSeconds: 592, reused: false, runs: 31 }] },
    { def: { name: 'curriculum', title: 't', figure: 'f', note: 'n' }, missing: 'not run in this call (--only)', studies: [], rows: [], wallSeconds: null },
  ],
});

describe('re-rendering a reproduction report', () => {
  it("takes today's notes, rows, verdicts, charts and evidence; keeps the run's own facts", async () => {
    const rep = await rerenderReport(stored(), async (id) => (id === 's1' ? study : null));
    const [cmsp, curriculum] = rep.results;
    const def = SUITE.find((d) => d.name === 'frontier-cmsp')!;
    expect(cmsp.def.note).toBe(def.note);
    expect(cmsp.evidence).toBe(EVIDENCE['frontier-cmsp']);
    expect(cmsp.rows.map((r) => [r.key, r.perSeed.map((s) => s.value)])).toEqual([['frontierPruneVsScratch', [4]], ['frontierDistillVsScratch', [2]]]);
    expect(cmsp.rows.every((r) => r.verdict !== 'no data')).toBe(true);
    expect(cmsp.charts.map((c) => c.name)).toEqual(['frontier-cmsp-frontier']);
    expect([rep.generatedAt, rep.invocationSeconds, rep.machine.cpuModel, cmsp.wallSeconds, cmsp.studies[0].reused]).toEqual(['2026-12-06T20:56:49.762Z', 592, 'AMD EPYC', 592, false]);
    expect([curriculum.missing, curriculum.rows, curriculum.charts]).toEqual(['not run in this call (--only)', [], []]);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'whittle-rerender-'));
    try {
      const files = writeReproduceReport(dir, rep);
      const md = fs.readFileSync(files.markdown, 'utf8');
      expect(md).toContain(def.note);
      expect(md).not.toContain('an old note');
      expect(parseStoredReport(fs.readFileSync(files.json, 'utf8'), files.json).results[0].def.note).toBe(def.note);
    } finally { fs.rmSync(dir, { recursive: true, force: true }); }
  });

  it('marks a seed whose value averages a lower and an upper bound ~, as its mean is marked', async () => {
    // 16 units: scratch never reached the target (≥ its budget 64,000 ÷ 200 = 320); 32 units:
    // distillation never did (≤ 400 ÷ 64,000); the seed's value averages the two
    const mixed: StudyRow = { ...study, summary: { sizes: [16, 32], frontier: {
      attribution: [{ size: 16, samplesToTarget: 100, status: 'done' }, { size: 32, samplesToTarget: 100, status: 'done' }],
      distill: [{ size: 16, samplesToTarget: 200, status: 'done' }, { size: 32, samplesToTarget: null, status: 'done' }],
      scratch: [{ size: 16, samplesToTarget: null, status: 'done' }, { size: 32, samplesToTarget: 400, status: 'done' }],
    } } };
    const rep = await rerenderReport(stored(), async (id) => (id === 's1' ? mixed : null));
    const distill = rep.results[0].rows[1];
    expect(distill.perSeed).toEqual([{ seed: 0, value: (320 + 400 / 64000) / 2, atLeast: true, atMost: true }]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'whittle-rerender-'));
    try {
      const md = fs.readFileSync(writeReproduceReport(dir, rep).markdown, 'utf8');
      expect(md).toContain('Whittle: ~ 160.00 (1 seed); per seed: 0: ~160.');
    } finally { fs.rmSync(dir, { recursive: true, force: true }); }
  });

  it('names a study missing from the data folder, an unknown result, and a malformed field', async () => {
    await expect(rerenderReport(stored(), async () => null)).rejects.toThrow(/study s1 .*not in this data folder/);
    const odd = stored(); odd.results[0].def.name = 'fig9';
    await expect(rerenderReport(odd, async () => study)).rejects.toThrow(/result 'fig9' is not in today's suite/);
    expect(() => parseStoredReport('{"scale":"huge"}', 'r.json')).toThrow(/r\.json: scale must be one of/);
    expect(() => parseStoredReport(JSON.stringify({ ...stored(), results: [{ def: {} }] }), 'r.json')).toThrow(/results\[0\]\.def\.name/);
    expect(() => parseStoredReport('nope', 'r.json')).toThrow(/r\.json: not JSON/);
  });
});
