// `whittle reproduce`: run the studies that stand for the paper's headline results (reusing those
// already finished in the data folder) and write the reproduction report (Markdown + HTML + SVG).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { StudyRow } from '../../shared/api';
import { applyOverrides, findRecipe } from '../services/recipes';
import { writeReproduceReport, type ReproduceReport, type ResultOutcome, type StudyOutcome, verdictCounts, TEST_SCALE_NOTE } from '../services/reproduce/report';
import { derivedFromStudies, parseStoredReport, rerenderReport } from '../services/reproduce/rerender';
import { findExistingStudy, plannedSpec, startOrReuse, studyWallSeconds, type StudyStart } from '../services/reproduce/studies';
import type { StudySpec } from '../../shared/studies';
import { SCALES, selectResults, SUITE, type Prerequisite, type ResultDef, type Scale } from '../services/reproduce/suite';
import { boundMark } from '../services/reproduce/verdict';
import { UsageError } from './args';
import { type Command, type CommandContext, EXIT, SignalStop } from './command';
import { exitCodeFor, followRuns, formatDuration, printJson, table } from './output';
import { YES_OPTION } from './train';

/** A test-scale text import reads a few hundred KiB, not the recipes' megabytes. */
const TEST_CORPUS_BYTES = 262144;

async function ensurePrerequisite(ctx: CommandContext, need: Prerequisite, scale: Scale): Promise<void> {
  const svc = ctx.service();
  if (need.kind === 'dataset') {
    if (svc.datasets.list().some((d) => d.name === need.name)) return;
    if (!ctx.json) ctx.io.out(`importing dataset '${need.name}' from ${need.source}\n`);
    const run = await svc.importDataset({ source: need.source, dataset: need.name });
    const [end] = await followRuns(ctx, [run.id]);
    if (end.status !== 'done') throw new Error(`importing ${need.source} as '${need.name}' ${end.status}: ${end.error ?? ''} (import it with 'whittle data import DIR --name ${need.name}')`);
    return;
  }
  if ((await svc.listCorpora()).some((c) => c.name === need.name)) return;
  const recipe = findRecipe(need.recipe);
  const spec = applyOverrides(recipe.spec, scale === 'test' ? [`maxTotalBytes=${TEST_CORPUS_BYTES}`] : []);
  if (!ctx.json) ctx.io.out(`importing text domain '${need.name}' (recipe ${need.recipe})\n`);
  const run = await svc.createRun(spec);
  const [end] = await followRuns(ctx, [run.id]);
  if (end.status !== 'done') throw new Error(`importing text domain '${need.name}' ${end.status}: ${end.error ?? ''} (run 'whittle train --recipe ${need.recipe}' with a folder of text)`);
}

function machine(backend: string | null): ReproduceReport['machine'] {
  return { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model?.trim() ?? 'unknown CPU', loadAverage: os.loadavg(), node: process.versions.node, backend };
}

/** A finished study of this spec, for a result this call does not run. */
function findFinished(studies: StudyRow[], spec: StudySpec): StudyStart | null {
  const s = findExistingStudy(studies, spec);
  return s?.status === 'done' ? { study: s, reused: 'done', runIds: [] } : null;
}

/** The report folder: --out, else <data folder>/reproduce/<scale>, where --rerender looks for what a run wrote. */
function reportDir(ctx: CommandContext, out: string | undefined, scale: string): string {
  return path.resolve(out ?? path.join(ctx.home, 'reproduce', scale));
}

/** --rerender: the report in --out written again from its report.json and its studies; runs nothing. */
async function rerender(ctx: CommandContext, o: { scale?: string; only?: string; seeds?: number; out?: string }): Promise<number> {
  if (o.only !== undefined || o.seeds !== undefined) throw new UsageError('--rerender runs nothing: it takes no --only or --seeds (the report says which studies it used)');
  const scale = o.scale ?? 'cpu';
  const out = reportDir(ctx, o.out, scale);
  const file = path.join(out, 'report.json');
  if (!fs.existsSync(file)) throw new UsageError(`--rerender: no report to re-render at ${file} (name its folder with --out)`);
  const stored = parseStoredReport(fs.readFileSync(file, 'utf8'), file);
  if (o.scale !== undefined && o.scale !== stored.scale) throw new UsageError(`--scale ${o.scale} does not match ${file} (scale ${stored.scale})`);
  const svc = ctx.service();
  const rep = await rerenderReport(stored, async (id) => svc.store.getStudy(id));
  const files = writeReproduceReport(out, rep);
  if (ctx.json) printJson(ctx.io, { report: files, verdicts: verdictCounts(rep) });
  else ctx.io.out(`re-rendered the ${stored.scale}-scale report of ${stored.generatedAt} (verdicts: ${Object.entries(verdictCounts(rep)).map(([k, v]) => `${v} ${k}`).join(', ') || 'none'}): ${files.html} and ${files.markdown}\n`);
  return EXIT.ok;
}

export const reproduceCommand: Command = {
  name: 'reproduce',
  summary: "run the studies behind the paper's headline results and write a report next to the paper's values",
  usage: 'whittle reproduce [--scale cpu|reference|test] [--only NAME[,NAME]] [--seeds N] [--out DIR] [--rerender]',
  options: [
    { name: 'scale', type: 'string', valueName: 'SCALE', description: 'cpu (default; about 30 min on 2 shared cores, measured), reference (the paper\'s settings: hours for some results), test (a smoke test, ~1 min)' },
    { name: 'only', type: 'string', valueName: 'NAME', description: 'run only these results (comma-separated): curriculum, nonlocality, frontier-fashion, frontier-cmsp, lm-frontier; the report lists the others from their finished studies, if any' },
    { name: 'seeds', type: 'number', valueName: 'N', description: 'seeds per result (default: as many as the scale\'s time allows, per result)' },
    { name: 'out', type: 'string', valueName: 'DIR', description: 'report folder (default <data folder>/reproduce/<scale>)' },
    { name: 'rerender', type: 'boolean', description: 'run nothing: write the report in --out again from its report.json and the studies it names in this data folder, with today\'s notes, paper values, verdicts and charts (the run\'s date, machine and times are kept)' },
    YES_OPTION,
  ],
  async run(ctx) {
    const o = ctx.args.options as { scale?: string; only?: string; seeds?: number; out?: string; yes?: boolean; rerender?: boolean };
    if (ctx.args.positionals.length) throw new UsageError(`'whittle reproduce' takes no arguments (got '${ctx.args.positionals[0]}')`);
    if (o.rerender) return rerender(ctx, o);
    const scale = (o.scale ?? 'cpu') as Scale;
    if (!SCALES.includes(scale)) throw new UsageError(`--scale must be one of ${SCALES.join(', ')} (got '${o.scale}')`);
    if (o.seeds !== undefined && (!Number.isInteger(o.seeds) || o.seeds < 1 || o.seeds > 50)) throw new UsageError(`--seeds expects an integer from 1 to 50 (got ${o.seeds})`);
    let selected: ResultDef[];
    try { selected = selectResults(o.only); } catch (e) { throw new UsageError((e as Error).message); }
    // The report always covers the whole suite: results --only leaves out are read from finished
    // studies of the same spec when there are some, and never run.
    const results = SUITE;
    const out = reportDir(ctx, o.out, scale);
    // Every planned spec is built (and validated) before anything runs: a bad override fails now.
    const plans = results.map((def) => ({ def, studies: def.studies(scale, o.seeds ?? def.defaultSeeds[scale]).map((p) => ({ p, spec: plannedSpec(p) })) }));
    const svc = ctx.service();
    const t0 = Date.now();
    const outcomes: ResultOutcome[] = results.map((def) => ({ def, missing: 'not run yet', studies: [], wallSeconds: null, ...derivedFromStudies(def, []) }));
    // the backend the studies' runs reported (the service knows none before a worker has started)
    const backends = () => [...new Set(outcomes.flatMap((r) => r.studies.flatMap((s) => svc.store.listRuns({ studyId: s.id }).map((x) => x.backend))).filter((b): b is string => Boolean(b)))].join(', ') || null;
    const report = (): ReproduceReport => ({ scale, generatedAt: new Date().toISOString(), machine: machine(backends()), invocationSeconds: (Date.now() - t0) / 1000, results: outcomes });
    let failed = false;
    if (!ctx.json) ctx.io.out(`whittle reproduce --scale ${scale}: ${selected.length} of ${results.length} results to run, ${plans.filter((p) => selected.includes(p.def)).reduce((a, p) => a + p.studies.length, 0)} studies; report in ${out}\n`);
    try {
      for (const [i, { def, studies }] of plans.entries()) {
        const outcome = outcomes[i];
        const done: StudyRow[] = [];
        const tag = `[${i + 1}/${plans.length} ${def.name}]`;
        try {
          const run = selected.includes(def);
          if (run) for (const need of def.needs) await ensurePrerequisite(ctx, need, scale);
          for (const [j, { p, spec }] of studies.entries()) {
            const start = run ? await startOrReuse(svc, spec, { confirmed: Boolean(o.yes) }) : findFinished(await svc.listStudies(), spec);
            if (!start) throw new Error('not run in this call (--only) and no finished study of its spec in the data folder');
            const where = `${tag} study ${j + 1}/${studies.length}${p.seed !== null ? ` (seed ${p.seed})` : ''}`;
            if (!ctx.json) ctx.io.out(`${where}: ${start.reused === 'done' ? 'reusing finished' : start.reused === 'resumed' ? 'resuming' : 'started'} study ${start.study.id} (${start.study.name}), ${start.study.runIds.length} runs\n`);
            const ends = start.runIds.length ? await followRuns(ctx, start.runIds, (r) => `${where} ${r.studyKey ?? r.name} `) : [];
            const study = await svc.getStudy(start.study.id);
            outcome.studies.push({ id: study.id, name: study.name, status: study.status, seed: p.seed, wallSeconds: studyWallSeconds(svc, study.id), reused: start.reused === 'done', runs: study.runIds.length } satisfies StudyOutcome);
            if (exitCodeFor(ends) !== EXIT.ok) failed = true;
            done.push(study);
          }
          outcome.missing = done.every((s) => s.status === 'done') ? null : `studies not all done: ${done.filter((s) => s.status !== 'done').map((s) => `${s.id} ${s.status}`).join(', ')}`;
        } catch (e) {
          if (e instanceof SignalStop) { outcome.missing = `stopped by ${e.signal} (rerun to continue)`; throw e; }
          if (selected.includes(def)) failed = true;
          outcome.missing = (e as Error).message;
          if (!ctx.json && selected.includes(def)) ctx.io.err(`${tag} ${(e as Error).message}\n`);
        } finally {
          Object.assign(outcome, derivedFromStudies(def, done));
          const walls = outcome.studies.map((s) => s.wallSeconds).filter((w): w is number => w !== null);
          outcome.wallSeconds = walls.length ? walls.reduce((a, b) => a + b, 0) : null;
          writeReproduceReport(out, report());
        }
      }
    } catch (e) {
      if (e instanceof SignalStop) ctx.io.err(`report so far: ${path.join(out, 'report.md')}; finished studies are kept, rerun the same command to continue\n`);
      throw e;
    }
    const rep = report();
    const files = writeReproduceReport(out, rep);
    if (ctx.json) printJson(ctx.io, { report: files, verdicts: verdictCounts(rep), seconds: rep.invocationSeconds, results: outcomes.map((r) => ({ name: r.def.name, missing: r.missing, wallSeconds: r.wallSeconds, rows: r.rows.map((x) => ({ key: x.key, whittle: x.whittle, verdict: x.verdict })) })) });
    else {
      ctx.io.out(`\n${table([['RESULT', 'ROW', 'WHITTLE (mean)', 'VERDICT'], ...outcomes.flatMap((r) => (r.rows.length ? r.rows.map((x) => [r.def.name, x.key, x.whittle ? `${boundMark(x.whittle)}${x.whittle.mean.toFixed(2)}` : '—', x.verdict]) : [[r.def.name, '—', '—', `missing: ${r.missing}`]]))])}\n`);
      if (rep.scale === 'test') ctx.io.out(`\n${TEST_SCALE_NOTE}\n`);
      ctx.io.out(`\ntook ${formatDuration(rep.invocationSeconds)}; report: ${files.html} and ${files.markdown}\n`);
    }
    return failed ? EXIT.failed : EXIT.ok;
  },
};
