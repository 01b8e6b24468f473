// `whittle reproduce --scale test` end to end through the real CLI (as the README says to run it):
// every result's studies run on the real scheduler and workers, the report's files, rows and SVG
// charts are checked, the verdicts are recomputed from the report's own numbers with the stated
// rule, a second call reuses the finished studies, and an unknown --only name (or --rerender without
// a report, or with --only) is a usage error.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PAPER, type PaperKey } from '../src/main/services/reproduce/paper';
import { verdict, type Spread } from '../src/main/services/reproduce/verdict';
import { TEST_SCALE_NOTE } from '../src/main/services/reproduce/report';
import { whittle } from './helpers/cli';
import { need } from './helpers/prereqs';
import { BIN, tmpHome } from './helpers/tmp';

const ready = need('fashionMnist', import.meta.url) && need('python3', import.meta.url);

interface ReportJson {
  scale: string;
  results: { def: { name: string }; missing: string | null; studies: { id: string; status: string; reused: boolean }[]; wallSeconds: number | null;
    rows: { key: PaperKey; whittle: (Spread & { mean: number }) | null; orderingHolds: boolean | null; verdict: string; perSeed: { seed: number; value: number }[] }[] }[];
}

describe.skipIf(!ready)('whittle reproduce --scale test', () => {
  const home = tmpHome();
  const out = path.join(home, 'report');

  it('rejects an unknown --only name, naming the known ones', async () => {
    const r = await whittle(['reproduce', '--scale', 'test', '--only', 'curriculum,fig9', '--home', home]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--only: unknown result 'fig9' \(known: curriculum, nonlocality, frontier-fashion, frontier-cmsp, lm-frontier\)/);
    const s = await whittle(['reproduce', '--scale', 'huge', '--home', home]);
    expect(s.code).toBe(2);
    expect(s.stderr).toMatch(/--scale must be one of test, cpu, reference/);
    const r2 = await whittle(['reproduce', '--rerender', '--out', path.join(home, 'none'), '--home', home]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain(`--rerender: no report to re-render at ${path.join(home, 'none', 'report.json')}`);
    const r3 = await whittle(['reproduce', '--rerender', '--only', 'curriculum', '--home', home]);
    expect(r3.code).toBe(2);
    expect(r3.stderr).toMatch(/--rerender runs nothing: it takes no --only or --seeds/);
  });

  it('runs every result, writes the report with a computed verdict per row, and reuses finished studies', async () => {
    const first = await whittle(['reproduce', '--scale', 'test', '--out', out, '--home', home]);
    expect(first.code, first.stderr + first.stdout).toBe(0);
    expect(first.stdout).toMatch(/\[1\/5 curriculum\] study 1\/1: started study/);
    for (const f of ['report.md', 'report.html', 'report.json']) expect(fs.existsSync(path.join(out, f)), f).toBe(true);
    const rep = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')) as ReportJson;
    expect(rep.results.map((r) => r.def.name)).toEqual(['curriculum', 'nonlocality', 'frontier-fashion', 'frontier-cmsp', 'lm-frontier']);
    const rows = rep.results.flatMap((r) => r.rows);
    expect(rows.map((r) => r.key)).toEqual(['curriculumBroad', 'curriculumNarrow', 'nonlocalityKept', 'nonlocalityRelearnPlain', 'nonlocalityRelearnLasso',
      'frontierPruneVsScratch', 'frontierDistillVsScratch', 'frontierPruneVsScratch', 'frontierDistillVsScratch', 'lmPruneVsScratch', 'lmPruneVsDistill']);
    for (const res of rep.results) {
      expect(res.missing, res.def.name).toBeNull();
      expect(res.studies.every((s) => s.status === 'done' && !s.reused)).toBe(true);
      expect(res.wallSeconds).toBeGreaterThan(0);
    }
    // the nonlocality result ran one study per seed (2 at test scale) and reports both seeds
    expect(rep.results[1].studies).toHaveLength(2);
    expect(rep.results[1].rows[0].perSeed.map((s) => s.seed)).toEqual([0, 1]);
    // each verdict follows from the row's own numbers by the stated rule (JSON writes ∞ as null)
    for (const r of rows) {
      const band = { lo: PAPER[r.key].band.lo, hi: PAPER[r.key].band.hi };
      expect(r.verdict, r.key).toBe(verdict(r.whittle, band, r.orderingHolds));
      if (r.whittle) {
        const mean = r.perSeed.reduce((a, s) => a + s.value, 0) / r.perSeed.length;
        expect(r.whittle.mean).toBeCloseTo(mean, 12);
        expect(r.whittle.n).toBe(r.perSeed.length);
      }
    }
    expect(rows.some((r) => r.verdict !== 'no data')).toBe(true);
    // the Markdown has one summary line per row, with the paper's value and its citation
    const md = fs.readFileSync(path.join(out, 'report.md'), 'utf8');
    for (const r of rows) expect(md).toContain(`| ${PAPER[r.key].claim} | ${PAPER[r.key].shown} — ${PAPER[r.key].cite} |`);
    expect(md).toMatch(/## Verdict rule/);
    // a test-scale report says its verdicts test nothing, in the report and on the terminal
    expect(md).toContain(TEST_SCALE_NOTE);
    expect(first.stdout).toContain(TEST_SCALE_NOTE);
    // every chart is well-formed SVG (parsed by Python's XML parser), one per row plus the per-result charts
    const charts = fs.readdirSync(path.join(out, 'charts')).map((f) => path.join(out, 'charts', f));
    expect(charts.length).toBe(rows.length + 4);
    const roots = execFileSync('python3', ['-c', 'import sys, xml.etree.ElementTree as E\nfor f in sys.argv[1:]: print(E.parse(f).getroot().tag)', ...charts], { encoding: 'utf8' }).trim().split('\n');
    expect(roots.every((t) => t === '{http://www.w3.org/2000/svg}svg')).toBe(true);
    const html = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
    expect((html.match(/<svg /g) ?? []).length).toBe(charts.length);

    // second call, two results run: nothing runs again, the same studies are reported as reused, and
    // the results --only leaves out are read from their finished studies (the report stays whole)
    const t0 = Date.now();
    const second = await whittle(['reproduce', '--scale', 'test', '--only', 'curriculum,nonlocality', '--out', out, '--home', home, '--json']);
    expect(second.code, second.stderr).toBe(0);
    expect(Date.now() - t0).toBeLessThan(30_000);
    const rep2 = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')) as ReportJson;
    expect(rep2.results.map((r) => r.def.name)).toEqual(rep.results.map((r) => r.def.name));
    for (const [i, res] of rep2.results.entries()) {
      expect(res.studies.every((s) => s.reused)).toBe(true);
      expect(res.studies.map((s) => s.id)).toEqual(rep.results[i].studies.map((s) => s.id));
      expect(res.rows).toEqual(rep.results[i].rows);
    }
  }, 600_000);

  it('Ctrl-C stops it with the finished studies kept and the report saying what is missing; a rerun resumes', async () => {
    const home2 = tmpHome();
    const out2 = path.join(home2, 'report');
    const args = ['reproduce', '--scale', 'test', '--only', 'curriculum', '--out', out2, '--home', home2];
    const p = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    p.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => {
      p.stdout.on('data', (d) => { stdout += d; if (/\(\d+\/6 runs\)/.test(stdout) && !p.killed) p.kill('SIGINT'); });
      p.on('exit', (c) => resolve(c));
    });
    expect(code, stdout + stderr).toBe(130);
    expect(stderr).toMatch(/finished studies are kept, rerun the same command to continue/);
    const stopped = JSON.parse(fs.readFileSync(path.join(out2, 'report.json'), 'utf8')) as ReportJson;
    expect(stopped.results[0].missing).toMatch(/stopped by SIGINT/);
    const again = await whittle(args);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/resuming study/);
    const rep = JSON.parse(fs.readFileSync(path.join(out2, 'report.json'), 'utf8')) as ReportJson;
    expect(rep.results[0].missing).toBeNull();
    expect(rep.results[0].studies[0].status).toBe('done');
    expect(rep.results[0].rows[0].perSeed).toHaveLength(2);
  }, 300_000);
});
