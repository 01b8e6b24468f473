// A study report on disk: one self-contained HTML file with a loss-vs-samples chart per skill
// (one line per run, coloured by regime/method = the first part of its study key), plus the
// study's summary as JSON. `whittle demo` and `whittle report` write it.
import path from 'node:path';
import type { StudyRow } from '../../../shared/api';
import { writeFileAtomicSync } from '../files';
import type { Store } from '../store';
import { esc, lineChartSvg, PALETTE, type Line } from './svgChart';
import { axisLabel, metricTitle } from '../../../shared/metrics';


export interface ReportFiles { html: string; json: string }

export function writeStudyReport(store: Store, study: StudyRow): ReportFiles {
  const dir = path.join(store.home, 'reports', study.id);
  const runs = store.listRuns({ studyId: study.id }).reverse();
  const groups = [...new Set(runs.map((r) => (r.studyKey ?? r.name).split('/')[0]))];
  const color = (key: string) => PALETTE[groups.indexOf(key.split('/')[0]) % PALETTE.length];
  const bySkill = new Map<string, Line[]>();
  for (const run of runs) {
    const series = store.metrics(run.id).series;
    const key = run.studyKey ?? run.name;
    const seedIndex = Number(/seed(\d+)/.exec(key)?.[1] ?? 0);
    for (const [metric, pts] of Object.entries(series)) {
      if (!metric.startsWith('loss/')) continue;
      const line: Line = {
        label: key, color: color(key), dashed: seedIndex % 2 === 1,
        points: pts.map((p) => [p.samples ?? p.step, p.value]),
      };
      bySkill.set(metric, [...(bySkill.get(metric) ?? []), line]);
    }
  }
  const charts = [...bySkill.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([metric, lines]) =>
    lineChartSvg(lines, { title: `${metric.slice(5)}: ${metricTitle('loss')} vs ${axisLabel('samples', runs.map((r) => r.kind)).toLowerCase()}`, xLabel: axisLabel('samples', runs.map((r) => r.kind)), yLabel: metricTitle('loss'), logX: true, yMin: 0 }));
  const rows = runs.map((r) => {
    const s = (r.summary ?? {}) as Record<string, unknown>;
    return `<tr><td>${esc(r.studyKey ?? r.name)}</td><td>${r.status}</td><td><code>${esc(JSON.stringify(s.stepsToLearn ?? s.samplesToTarget ?? {}))}</code></td></tr>`;
  }).join('\n');
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>${esc(study.name)} — Whittle report</title>
<style>body{font-family:sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#111}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}pre{background:#f4f4f5;padding:1em;overflow:auto}</style></head>
<body><h1>${esc(study.name)}</h1>
<p>Study <code>${study.id}</code> (${study.kind}), ${runs.length} runs, status <b>${study.status}</b>. Generated ${new Date().toISOString()} by Whittle.</p>
<h2>Summary</h2><pre>${esc(JSON.stringify(study.summary, null, 2))}</pre>
<h2>Loss per skill</h2>${charts.join('\n') || '<p>No metrics recorded yet.</p>'}
<h2>Runs</h2><table><tr><th>run</th><th>status</th><th>steps to learn / samples to target</th></tr>${rows}</table>
</body></html>`;
  const files = { html: path.join(dir, 'report.html'), json: path.join(dir, 'report.json') };
  writeFileAtomicSync(files.html, html);
  writeFileAtomicSync(files.json, JSON.stringify({ study, runs: runs.map((r) => ({ id: r.id, key: r.studyKey, status: r.status, summary: r.summary })) }, null, 2));
  return files;
}
