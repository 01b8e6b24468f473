// The reproduction report on disk: report.md, report.html (charts inline), charts/*.svg and
// report.json, all from one ReproduceReport. Written after every result, so a stopped run leaves
// a report that says which results are still missing.
import path from 'node:path';
import { writeFileAtomicSync } from '../files';
import { bandChartSvg } from '../report/bandChart';
import { esc } from '../report/svgChart';
import type { NamedChart } from './charts';
import type { ReportRow, ResultDef, Scale } from './suite';
import { boundMark, formatSpread } from './verdict';

export interface StudyOutcome { id: string; name: string; status: string; seed: number | null; wallSeconds: number | null; reused: boolean; runs: number }

export interface ResultOutcome {
  def: Pick<ResultDef, 'name' | 'title' | 'figure' | 'note'>;
  /** Why the result has no rows yet (not run, a study failed, stopped). */
  missing: string | null;
  studies: StudyOutcome[];
  rows: ReportRow[];
  wallSeconds: number | null;
  charts: NamedChart[];
  /** Measurements that explain a disagreement (markdown), when there are some. */
  evidence?: string;
}

export interface ReproduceReport {
  scale: Scale;
  generatedAt: string;
  machine: { cpus: number; cpuModel: string; loadAverage: number[]; node: string; backend: string | null };
  /** Wall time of this invocation (studies reused from earlier invocations cost nothing here). */
  invocationSeconds: number;
  results: ResultOutcome[];
}

const VERDICT_RULE = [
  'Each row compares one number. Whittle\'s value is computed per seed and summarised as mean ± sample sd (min–max, seeds).',
  'The row states the direction of the paper\'s claim (the ordering) and a band of values that count as agreeing with the paper\'s value.',
  '**agrees**: the ordering holds on Whittle\'s mean and the mean lies in the band (a bound "≥ x" agrees when x lies in the band);',
  '**agrees in ordering only**: the ordering holds but the mean is outside the band;',
  '**disagrees**: the ordering fails (or, for a row without an ordering, the mean is outside the band); **no data**: no seed gave a value.',
  'A method that finished without reaching the target counts as needing its whole budget, so ratios over it are bounds (≥ or ≤).',
].join(' ');

const bandText = (b: { lo: number; hi: number }) => (Number.isFinite(b.hi) ? (b.lo === b.hi ? `= ${b.lo}` : `${b.lo}–${b.hi}`) : `≥ ${b.lo}`);

function formatWall(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '—';
  const m = Math.floor(s / 60), sec = Math.round(s % 60);
  return m ? `${m} min ${sec} s` : `${sec} s`;
}

function rowChart(result: string, r: ReportRow): NamedChart {
  return {
    name: `${result}-${r.key}`,
    svg: bandChartSvg({
      title: r.paper.claim.length > 90 ? `${r.paper.claim.slice(0, 87)}…` : r.paper.claim,
      band: r.paper.band, paper: r.paper.value,
      seeds: r.perSeed.map((s) => ({ value: s.value, bound: s.atLeast || s.atMost })), mean: r.whittle?.mean ?? null,
    }),
  };
}

/** Said wherever a test-scale report's verdicts are shown: its studies are too small to test a claim. */
export const TEST_SCALE_NOTE = 'Test scale: every study runs for at most a few hundred steps, to check that the pipeline works end to end; these verdicts say nothing about the paper\'s claims (`--scale cpu` for that).';

export function verdictCounts(report: ReproduceReport): Record<string, number> {
  const c: Record<string, number> = {};
  for (const res of report.results) for (const r of res.rows) c[r.verdict] = (c[r.verdict] ?? 0) + 1;
  return c;
}

function markdown(rep: ReproduceReport): string {
  const out: string[] = [];
  out.push(`# Whittle reproduction report (${rep.scale} scale)`, '');
  out.push(`Michaud, Parker-Sartori, Tegmark, *On the creation of narrow AI* (arXiv 2505.15811, 2025): each headline result next to Whittle's, from \`whittle reproduce --scale ${rep.scale}\`.`, '');
  out.push(`Generated ${rep.generatedAt} on ${rep.machine.cpus} × ${rep.machine.cpuModel} (load average ${rep.machine.loadAverage.map((x) => x.toFixed(2)).join(' / ')} at the end; Node ${rep.machine.node}${rep.machine.backend ? `, backend ${rep.machine.backend}` : ''}). This invocation took ${formatWall(rep.invocationSeconds)} (finished studies it reused cost nothing here); each result's wall time is that of its studies' runs (first start to last end, summed over studies).`, '');
  const counts = verdictCounts(rep);
  out.push(`Verdicts: ${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ') || 'none yet'}.`, '');
  if (rep.scale === 'test') out.push(`**${TEST_SCALE_NOTE}**`, '');
  out.push('## Summary', '', '| result | claim | paper (cited) | Whittle | wall time | verdict |', '|---|---|---|---|---|---|');
  for (const res of rep.results) {
    if (!res.rows.length) { out.push(`| ${res.def.name} (${res.def.figure}) | — | — | missing: ${res.missing ?? 'not run'} | ${formatWall(res.wallSeconds)} | no data |`); continue; }
    for (const r of res.rows) {
      out.push(`| ${res.def.name} (${res.def.figure}) | ${r.paper.claim} | ${r.paper.shown} — ${r.paper.cite} | ${formatSpread(r.whittle)} | ${formatWall(res.wallSeconds)} | **${r.verdict}** |`);
    }
  }
  out.push('', '## Verdict rule', '', VERDICT_RULE, '');
  for (const res of rep.results) {
    out.push(`## ${res.def.title} (${res.def.figure})`, '', res.def.note, '');
    if (res.missing) out.push(`**Missing:** ${res.missing}`, '');
    if (res.studies.length) {
      out.push('| study | seed | runs | status | wall time | |', '|---|---|---|---|---|---|');
      for (const s of res.studies) out.push(`| \`${s.id}\` ${s.name} | ${s.seed ?? 'all'} | ${s.runs} | ${s.status} | ${formatWall(s.wallSeconds)} | ${s.reused ? 'reused (finished earlier)' : ''} |`);
      out.push('');
    }
    for (const r of res.rows) {
      out.push(`- **${r.paper.claim}** — paper: ${r.paper.shown} (${r.paper.cite}); agreement band ${bandText(r.paper.band)}; ordering: ${r.ordering ?? 'none'}${r.orderingHolds === null ? '' : r.orderingHolds ? ' (holds)' : ' (fails)'}.`);
      out.push(`  Whittle: ${formatSpread(r.whittle)}; per seed: ${r.perSeed.map((s) => `${s.seed}: ${boundMark(s)}${Number(s.value.toPrecision(3))}`).join(', ') || '—'}. Verdict: **${r.verdict}**.${r.note ? ` (${r.note})` : ''}`);
      out.push(`  ![${r.key}](charts/${res.def.name}-${r.key}.svg)`);
    }
    for (const c of res.charts) out.push('', `![${c.name}](charts/${c.name}.svg)`);
    if (res.evidence) out.push('', '### Why, measured', '', res.evidence);
    out.push('');
  }
  return out.join('\n');
}

/** Markdown → HTML for the little the report uses (headings, tables, lists, bold, code, images → inline SVG). */
function html(rep: ReproduceReport, md: string, charts: Map<string, string>): string {
  const inline = (s: string) => esc(s).replace(/\*\*(.+?)\*\*/g, '<b>$1</b>').replace(/\*(.+?)\*/g, '<i>$1</i>').replace(/`([^`]+)`/g, '<code>$1</code>');
  const body: string[] = [];
  const lines = md.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    const img = /!\[[^\]]*\]\(charts\/([^)]+)\.svg\)/.exec(l);
    if (img) { body.push(`<figure>${charts.get(img[1]) ?? ''}</figure>`); continue; }
    const h = /^(#{1,3}) (.*)$/.exec(l);
    if (h) { body.push(`<h${h[1].length}>${inline(h[2])}</h${h[1].length}>`); continue; }
    if (l.startsWith('|')) {
      const rows: string[][] = [];
      while (i < lines.length && lines[i].startsWith('|')) { rows.push(lines[i].slice(1, -1).split(' | ').map((c) => c.trim())); i++; }
      i--;
      const [head, , ...rest] = rows;
      body.push(`<table><tr>${head.map((c) => `<th>${inline(c)}</th>`).join('')}</tr>${rest.map((r) => `<tr>${r.map((c) => `<td>${inline(c)}</td>`).join('')}</tr>`).join('')}</table>`);
      continue;
    }
    if (l.startsWith('- ')) { body.push(`<p class="row">${inline(l.slice(2))}`); continue; }
    if (l.startsWith('  ')) { body.push(`<br>${inline(l.trim())}`); continue; }
    if (l.trim()) body.push(`<p>${inline(l)}</p>`);
  }
  return `<!doctype html><html><head><meta charset="utf-8"><title>Whittle reproduction report (${rep.scale})</title>
<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#111}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}figure{margin:.5em 0}p.row{margin-top:1em}</style></head>
<body>${body.join('\n')}</body></html>`;
}

export interface ReportFiles { markdown: string; html: string; json: string; charts: string[] }

export function writeReproduceReport(dir: string, rep: ReproduceReport): ReportFiles {
  const charts = new Map<string, string>();
  for (const res of rep.results) {
    for (const r of res.rows) { const c = rowChart(res.def.name, r); charts.set(c.name, c.svg); }
    for (const c of res.charts) charts.set(c.name, c.svg);
  }
  const chartFiles: string[] = [];
  for (const [name, svg] of charts) { const f = path.join(dir, 'charts', `${name}.svg`); writeFileAtomicSync(f, svg); chartFiles.push(f); }
  const md = markdown(rep);
  const files = { markdown: path.join(dir, 'report.md'), html: path.join(dir, 'report.html'), json: path.join(dir, 'report.json'), charts: chartFiles };
  writeFileAtomicSync(files.markdown, md);
  writeFileAtomicSync(files.html, html(rep, md, charts));
  writeFileAtomicSync(files.json, JSON.stringify({ ...rep, results: rep.results.map(({ charts: _c, ...r }) => r) }, null, 2));
  return files;
}
