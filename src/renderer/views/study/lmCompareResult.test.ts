// The carve study's result rows: per-domain losses with verdicts against the general model, the
// frontier lines, and the relearn gaps, from a summary shaped as docs/h19-contract.md says.
import { describe, expect, it } from 'vitest';
import { runRow } from '../../lib/stores/fixtures';
import { curveLabel, curveRuns, frontierLines, methodLabel, relearnRows, resultRows, sizeTitle, type LmCompareSummary } from './lmCompareResult';

const summary: LmCompareSummary = {
  target: 'py', targetLossFactor: 1.1, sizes: ['50% MLP', '25% MLP'], methods: ['attribution', 'scratch'], remove: ['prose'],
  general: { runId: 'rg', status: 'done', losses: { py: 2, prose: 3 } },
  frontier: {
    attribution: [
      { size: '50% MLP', sizeLabel: 'mlp0.5', runId: 'ra5', status: 'done', target: 2.2, tokensToTarget: 1000, pruneTokens: 100, params: 5000, targetLoss: 2.1 },
      { size: '25% MLP', sizeLabel: 'mlp0.25', runId: 'ra2', status: 'done', target: 2.2, tokensToTarget: null, pruneTokens: 100, params: 4000, targetLoss: 2.5 },
    ],
    scratch: [
      { size: '50% MLP', sizeLabel: 'mlp0.5', runId: 'rs5', status: 'done', target: 2.2, tokensToTarget: 8000, pruneTokens: null, params: 5000, targetLoss: 2.2 },
      { size: '25% MLP', sizeLabel: 'mlp0.25', runId: null, status: 'missing', target: null, tokensToTarget: null, pruneTokens: null, params: null, targetLoss: null },
    ],
  },
  domains: [
    { domain: 'py', role: 'keep', general: 2, byRun: { 'attribution/mlp0.5': 2.1, 'attribution/mlp0.25': 2.5, 'scratch/mlp0.5': 2.2, 'scratch/mlp0.25': null } },
    { domain: 'prose', role: 'remove', general: 3, byRun: { 'attribution/mlp0.5': 4.5, 'attribution/mlp0.25': 2.9, 'scratch/mlp0.5': 5, 'scratch/mlp0.25': null } },
  ],
  relearn: [
    { key: 'attribution/mlp0.5', method: 'attribution', size: 'mlp0.5', domain: 'prose', before: 4.5, after: 3.4, generalAfter: 2.8 },
    { key: 'attribution/mlp0.25', method: 'attribution', size: 'mlp0.25', domain: 'prose', before: 2.9, after: null, generalAfter: 2.8 },
  ],
};
const runs = [
  runRow({ id: 'rg', studyKey: 'general', kind: 'lm', status: 'done' }),
  runRow({ id: 'ra5', studyKey: 'attribution/mlp0.5', kind: 'lm', status: 'done' }),
  runRow({ id: 'ra2', studyKey: 'attribution/mlp0.25', kind: 'lm', status: 'done' }),
  runRow({ id: 'rs5', studyKey: 'scratch/mlp0.5', kind: 'lm', status: 'done' }),
  runRow({ id: 'rr', studyKey: 'relearn/attribution/mlp0.5', kind: 'lm', status: 'done' }),
];

describe('lm-compare result', () => {
  it('gives one row per method × size with losses per domain and verdicts against the general model', () => {
    const rows = resultRows(summary, runs);
    expect(rows.map((r) => [r.key, r.sizeLabel, r.pruning])).toEqual([
      ['attribution/mlp0.5', '50% MLP', true], ['attribution/mlp0.25', '25% MLP', true], ['scratch/mlp0.5', '50% MLP', false], ['scratch/mlp0.25', '25% MLP', false],
    ]);
    // keep: 2.1 / 2 = 1.05 ≤ 1.1 is within the target; 2.5 / 2 is not
    expect(rows[0].cells.py).toEqual({ value: 2.1, ratio: 1.05, ok: true });
    expect(rows[1].cells.py.ok).toBe(false);
    // remove: above the general model is what we want
    expect(rows[0].cells.prose).toEqual({ value: 4.5, ratio: 1.5, ok: true });
    expect(rows[1].cells.prose.ok).toBe(false);
    expect(rows[3].cells.py).toEqual({ value: null, ratio: null, ok: null });
  });

  it('draws the frontier from points that reached the target, sorted by parameters', () => {
    expect(frontierLines(summary)).toEqual([
      { method: 'attribution', points: [{ x: 5000, y: 1000 }] },
      { method: 'scratch', points: [{ x: 5000, y: 8000 }] },
    ]);
  });

  it('measures how far above the general model a removed domain stays after relearning', () => {
    const r = relearnRows(summary);
    expect(r[0].gap).toBeCloseTo(0.6, 12);
    expect(r[1].gap).toBeNull();
    expect(relearnRows({})).toEqual([]);
  });

  it('charts only the method × size runs', () => {
    expect(curveRuns(runs).map((r) => r.id)).toEqual(['ra5', 'ra2', 'rs5']);
  });

  it('labels a size alike in the chart legend and in the tables ("50% MLP", never "mlp0.5")', () => {
    // the legend reads the size from a run's study key, the tables from the summary: one wording
    const rows = resultRows(summary, runs);
    for (const r of rows) expect(curveLabel(r.key)).toBe(`${methodLabel(r.method)} · ${r.sizeLabel}`);
    expect(curveLabel('attribution/mlp0.5')).toBe('attribution prune + recover · 50% MLP');
    expect(rows.map((r) => r.sizeLabel)).toEqual(['50% MLP', '25% MLP', '50% MLP', '25% MLP']);
    expect(rows.map((r) => r.sizeLabel)).toEqual(Object.values(summary.frontier!).flat().map((p) => p.size)); // the service's own wording
    expect(summary.sizes!.map(sizeTitle)).toEqual(['50% MLP', '25% MLP']); // frontier table header
    expect(relearnRows(summary).map((r) => sizeTitle(r.size))).toEqual(['50% MLP', '25% MLP']);
    expect(curveLabel('scratch/mlp0.5-heads0.25')).toBe('from scratch · 50% MLP, 25% heads');
    // sizes given as neuron counts: a number in the summary, a digit string in the key
    expect(sizeTitle(1200)).toBe('1,200 neurons');
    expect(curveLabel('distill/1200')).toBe('distillation · 1,200 neurons');
    expect(sizeTitle('no size here')).toBe('no size here');
  });
});
