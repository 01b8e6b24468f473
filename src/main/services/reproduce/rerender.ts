// A reproduction report written again from the studies it was made of, with today's code for
// everything the code derives from them (result titles and notes, paper values and bands, rows and
// verdicts, charts, the "Why, measured" evidence), running nothing. For a committed report whose
// runs take hours (the reference scale) when its wording or rules change after the runs.
// What belongs to the run itself is kept from its report.json: when and on what machine it ran, how
// long the invocation took, which studies it used (with their wall times and whether they were
// reused) and why a result was missing.
import type { StudyRow } from '../../../shared/api';
import { resultCharts } from './charts';
import { EVIDENCE } from './evidence';
import type { ReproduceReport, ResultOutcome, StudyOutcome } from './report';
import { type ResultDef, SCALES, SUITE, type Scale } from './suite';

/** A report.json as writeReproduceReport wrote it (results without their charts). */
export interface StoredReport extends Omit<ReproduceReport, 'results'> { results: Omit<ResultOutcome, 'charts'>[] }

/** Checks the fields a re-render reads; errors name the file and the field. */
export function parseStoredReport(text: string, file: string): StoredReport {
  let j: unknown;
  try { j = JSON.parse(text); } catch (e) { throw new Error(`${file}: not JSON (${(e as Error).message})`); }
  const r = j as Partial<StoredReport> | null;
  if (!r || typeof r !== 'object') throw new Error(`${file}: not a report object`);
  if (!SCALES.includes(r.scale as Scale)) throw new Error(`${file}: scale must be one of ${SCALES.join(', ')} (got ${JSON.stringify(r.scale)})`);
  if (typeof r.generatedAt !== 'string' || !r.machine || typeof r.invocationSeconds !== 'number') throw new Error(`${file}: generatedAt, machine and invocationSeconds are required`);
  if (!Array.isArray(r.results)) throw new Error(`${file}: results must be a list`);
  r.results.forEach((res, i) => {
    if (typeof res?.def?.name !== 'string') throw new Error(`${file}: results[${i}].def.name is missing`);
    if (!Array.isArray(res.studies)) throw new Error(`${file}: results[${i}].studies must be a list`);
  });
  return r as StoredReport;
}

/** What today's code derives for a result from its studies: rows and verdicts, charts, evidence.
 *  One place for both a run (`whittle reproduce`) and a re-render, so the two cannot drift. */
export function derivedFromStudies(def: ResultDef, studies: StudyRow[]): Pick<ResultOutcome, 'rows' | 'charts' | 'evidence'> {
  return { rows: studies.length ? def.rows(studies) : [], charts: resultCharts(def.name, studies), evidence: EVIDENCE[def.name] };
}

/** The report again from `stored` and its studies (looked up by id): throws, naming the study, when
 *  one is not in the data folder, and naming the result when today's suite has no such result. */
export async function rerenderReport(stored: StoredReport, getStudy: (id: string) => Promise<StudyRow | null>): Promise<ReproduceReport> {
  const results: ResultOutcome[] = [];
  for (const prev of stored.results) {
    const def = SUITE.find((d) => d.name === prev.def.name);
    if (!def) throw new Error(`result '${prev.def.name}' is not in today's suite (known: ${SUITE.map((d) => d.name).join(', ')})`);
    const studies: StudyRow[] = [];
    for (const s of prev.studies as StudyOutcome[]) {
      const row = await getStudy(s.id);
      if (!row) throw new Error(`study ${s.id} (${s.name}, result '${def.name}') is not in this data folder: re-render over the data folder the report was made in`);
      studies.push(row);
    }
    results.push({ def, missing: prev.missing, studies: prev.studies, wallSeconds: prev.wallSeconds, ...derivedFromStudies(def, studies) });
  }
  return { scale: stored.scale, generatedAt: stored.generatedAt, machine: stored.machine, invocationSeconds: stored.invocationSeconds, results };
}
