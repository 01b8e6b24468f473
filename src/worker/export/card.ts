// The model card: what the exported model is for and how it was made, as JSON (for tools) and
// Markdown (for people), read from the source run's spec and summary plus the size/speed report.
import { canonicalJson } from '../../shared/canonicalJson';
import { summaryLabel } from '../../shared/glossary';
import type { JobInput } from '../../shared/events';
import { type RunSpec, type SkillRef, skillKey } from '../../shared/specs';
import { sha256 } from '../engine/files';
import type { MlpConfig } from '../models/mlp/model';
import type { ExportMeta } from './meta';
import type { SizeSpeedReport } from './report';

export interface ExportedFile { format: string; name: string; bytes: number; sha256: string }

export interface ModelCard {
  schema: 'whittle.model-card/1';
  name: string;
  sourceRun: { id: string; kind: string };
  skill: { kept: string | null; removed: string[] };
  method: { kind: string; description: string; settings: Record<string, unknown> };
  model: MlpConfig & { arch: 'mlp'; output: 'logits' };
  size: { unitsBefore: number; unitsAfter: number; paramsBefore: number; paramsAfter: number };
  /** Accuracy per skill key as the source run last measured it; null when its summary has none. */
  accuracy: Record<string, number> | null;
  /** The relearn test's results where the source run did one. */
  relearn: unknown;
  /** Samples/steps to the target accuracy and totals, as the source run's summary records them. */
  training: Record<string, number | null> | null;
  data: Record<string, unknown>;
  seed: number | null;
  specSha256: string;
  whittleVersion: string;
  exportedAt: string;
  files: ExportedFile[];
  report: SizeSpeedReport;
}

export function specHash(spec: unknown): string { return sha256(canonicalJson(spec)); }

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isSkill = (v: unknown): v is SkillRef => typeof v === 'string' || (Array.isArray(v) && v.every((x) => Number.isInteger(x)));

/** The skill a run is for: `keep` for compression runs, `target` for training runs. */
export function keptSkill(spec: Obj): string | null {
  const s = spec.keep ?? spec.target;
  return isSkill(s) ? skillKey(s) : null;
}

export function removedSkills(spec: Obj, summary: Obj | null): string[] {
  if (Array.isArray(spec.remove)) return spec.remove.filter(isSkill).map(skillKey);
  // Compression summaries list them as {skill, acc, …} results.
  const r = summary?.removed;
  return Array.isArray(r) ? r.map((x) => (isObj(x) ? x.skill : x)).filter(isSkill).map(skillKey) : [];
}

/** skill → number from a record of numbers or of {acc} objects. */
function accRecord(v: unknown): Record<string, number> | null {
  if (!isObj(v)) return null;
  const out: Record<string, number> = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x === 'number') out[k] = x;
    else if (isObj(x) && typeof x.acc === 'number') out[k] = x.acc;
    else if (isObj(x) && typeof x.accuracy === 'number') out[k] = x.accuracy;
  }
  return Object.keys(out).length ? out : null;
}

/** Accuracy per skill from a run summary. Jobs record it under one of a few names; flat
 *  `acc/<skill>` keys (the metric names) are read too. */
export function accuracyPerSkill(summary: Obj | null): Record<string, number> | null {
  if (!summary) return null;
  // Compression jobs: kept {skill, acc} and removed [{skill, acc}] (compress/summary.ts).
  const results = [summary.kept, ...(Array.isArray(summary.removed) ? summary.removed : [])]
    .filter((r): r is Obj => isObj(r) && typeof r.skill === 'string' && typeof r.acc === 'number');
  if (results.length) return Object.fromEntries(results.map((r) => [r.skill as string, r.acc as number]));
  // Training jobs: finalAcc {skill: acc | null}.
  for (const key of ['finalAcc', 'accuracy', 'accuracies', 'finalAccuracy', 'acc', 'final', 'evals', 'last']) {
    const r = accRecord(summary[key]);
    if (r) return r;
  }
  const flat: Record<string, number> = {};
  for (const [k, v] of Object.entries(summary)) if (k.startsWith('acc/') && typeof v === 'number') flat[k.slice(4)] = v;
  return Object.keys(flat).length ? flat : null;
}

/** The relearn test (prune jobs): `relearn` {skill: acc}, or relearnAcc on each removed result;
 *  null when none was run (a prune run without one records `relearn: {}`). */
function relearnResults(summary: Obj | null): unknown {
  if (!summary) return null;
  const given = summary.relearn;
  if (given !== undefined && given !== null && !(isObj(given) && Object.keys(given).length === 0)) return given;
  const r = Array.isArray(summary.removed) ? summary.removed.filter((x): x is Obj => isObj(x) && typeof x.relearnAcc === 'number') : [];
  return r.length ? Object.fromEntries(r.map((x) => [x.skill as string, x.relearnAcc as number])) : null;
}

/** How fast the skill was learned: the headline numbers of training and compression summaries. */
function trainingFacts(summary: Obj | null): Record<string, number | null> | null {
  if (!summary) return null;
  const keys = ['targetAccuracy', 'samplesToTarget', 'stepsToTarget', 'stepsToLearn', 'samplesToLearn', 'steps', 'samples'];
  const out = Object.fromEntries(keys.filter((k) => typeof summary[k] === 'number' || summary[k] === null).map((k) => [k, summary[k] as number | null]));
  return Object.keys(out).length ? out : null;
}

const DESCRIPTIONS: Record<string, string> = {
  scratch: 'trained from scratch at this size on the kept skill alone (the baseline the others are compared with)',
  prune: 'pruned: hidden units scored on the kept skill, the least important removed, then recovery training on the kept skill',
  groupLasso: 'group-lasso fine-tuning on the kept skill (λ·Σ‖group‖₂ per unit), units below the threshold masked, then compacted',
  distill: 'distilled: a student of the given size trained on the teacher’s soft targets (α·CE + (1−α)·T²·KL)',
  train: 'trained directly (from scratch, or with broad data as a curriculum when the mixture has several skills)',
};

/** Spec fields that describe the method (everything but identity, data and skills). */
function settings(spec: Obj): Obj {
  const skip = new Set(['kind', 'name', 'seed', 'inputs', 'task', 'keep', 'remove', 'target', 'mixture']);
  return Object.fromEntries(Object.entries(spec).filter(([k]) => !skip.has(k)));
}

function dataUsed(spec: Obj, upstream: Obj | undefined): Obj {
  const d: Obj = {};
  // Compression runs default to the task of the run they start from.
  d.task = spec.task ?? upstream?.task ?? (isObj(spec.inputs) ? `the task of run ${Object.values(spec.inputs).join(', ')}` : null);
  if (!spec.mixture && upstream?.mixture) d.upstreamMixture = upstream.mixture;
  if (spec.mixture) d.mixture = spec.mixture;
  if (spec.kind !== 'train' && isSkill(spec.keep)) d.trainedOn = `the kept skill ${skillKey(spec.keep)} only (removed skills only evaluated${spec.relearn ? ', and in the relearn test' : ''})`;
  if (isObj(spec.inputs)) d.inputs = spec.inputs;
  return d;
}

export function buildCard(a: {
  meta: ExportMeta; source: JobInput; compact: MlpConfig; files: ExportedFile[]; report: SizeSpeedReport;
  /** Spec of the run the source was made from (pruned from, distilled from), when known. */
  upstream?: RunSpec;
}): ModelCard {
  const spec = a.source.spec as unknown as Obj;
  const summary = a.source.summary as Obj | null;
  // A distill run with α = 1 is the from-scratch baseline; its summary says so.
  const methodKind = typeof summary?.method === 'string' && summary.method in DESCRIPTIONS ? summary.method : a.source.spec.kind;
  return {
    schema: 'whittle.model-card/1',
    name: a.meta.name,
    sourceRun: { id: a.source.runId, kind: a.source.spec.kind },
    skill: { kept: a.meta.skill, removed: a.meta.skillsRemoved },
    method: { kind: methodKind, description: DESCRIPTIONS[methodKind] ?? methodKind, settings: settings(spec) },
    model: { arch: 'mlp', ...a.compact, output: 'logits' },
    size: {
      unitsBefore: a.report.original.units, unitsAfter: a.report.compact.units,
      paramsBefore: a.report.original.params, paramsAfter: a.report.compact.params,
    },
    accuracy: accuracyPerSkill(summary),
    relearn: relearnResults(summary),
    training: trainingFacts(summary),
    data: dataUsed(spec, a.upstream as unknown as Obj | undefined),
    seed: typeof spec.seed === 'number' ? spec.seed : null,
    specSha256: a.meta.specHash,
    whittleVersion: a.meta.whittleVersion,
    exportedAt: a.meta.exportedAt,
    files: a.files,
    report: a.report,
  };
}

// Markdown table helpers, shared by the MLP and decoder cards.
const cell = (v: unknown) => String(v).replace(/\|/g, '\\|').replace(/\n/g, ' ');
export const num = (v: number | null | undefined, digits = 3) => (v === undefined || v === null ? '–' : Number.isInteger(v) ? v.toLocaleString('en-US') : v.toFixed(digits));
export const row = (...c: unknown[]) => `| ${c.map(cell).join(' | ')} |`;

export function cardMarkdown(c: ModelCard): string {
  const o = c.report.original, n = c.report.compact;
  const L: string[] = [];
  L.push(`# ${c.name}`, '');
  L.push(`A narrow model for skill **${c.skill.kept ?? '(not named)'}**, ${c.method.description}.`);
  L.push(`Source run \`${c.sourceRun.id}\` (${c.sourceRun.kind}); exported by Whittle ${c.whittleVersion} on ${c.exportedAt}.`, '');
  L.push('## Skills', '', row('skill', 'role', 'accuracy'), row('---', '---', '---'));
  const acc = c.accuracy ?? {};
  if (c.skill.kept) L.push(row(c.skill.kept, 'kept', num(acc[c.skill.kept], 4)));
  for (const s of c.skill.removed) L.push(row(s, 'removed', num(acc[s], 4)));
  for (const [s, v] of Object.entries(acc)) if (s !== c.skill.kept && !c.skill.removed.includes(s)) L.push(row(s, 'evaluated', num(v, 4)));
  if (!c.accuracy) L.push('', '_The source run recorded no accuracy per skill._');
  if (c.relearn !== null && c.relearn !== undefined) {
    L.push('', '### Relearn test', '', 'Accuracy after training a copy on each removed skill alone (a removed skill is really gone only if it does not come back):', '');
    const r = accRecord(c.relearn);
    if (r) { L.push(row('skill', 'accuracy after relearning'), row('---', '---')); for (const [s, v] of Object.entries(r)) L.push(row(s, num(v, 4))); }
    else L.push('```json', JSON.stringify(c.relearn, null, 2), '```');
  } else if (c.skill.removed.length) {
    L.push('', '_No relearn test was run for this model (a prune run with `relearn.steps` above 0 runs one: it retrains a copy on each removed skill to see whether it comes back)._');
  }
  if (c.training) {
    L.push('', '### Learning', '', row('measure', 'value'), row('---', '---:'));
    for (const [k, v] of Object.entries(c.training)) L.push(row(summaryLabel(k), v === null ? 'never reached' : num(v, 4)));
  }
  L.push('', '## Method', '', `${c.method.kind} (job kind \`${c.sourceRun.kind}\`), with these settings:`, '', '```json', JSON.stringify(c.method.settings, null, 2), '```');
  L.push('', '## Size and speed', '', row('', `original${o.runId ? ` (${o.runId})` : ''}`, 'exported', 'ratio'), row('---', '---:', '---:', '---:'));
  L.push(row('hidden units', `${num(o.units)} (${o.hidden.join('-')})`, `${num(n.units)} (${n.hidden.join('-')})`, num(c.report.ratios.units)));
  L.push(row('parameters', num(o.params), num(n.params), num(c.report.ratios.params)));
  for (const f of Object.keys(n.bytes)) L.push(row(`bytes, ${f}`, num(o.bytes[f]), num(n.bytes[f]), num(c.report.ratios[`bytes.${f}`])));
  for (const b of Object.keys(n.latencyMs)) L.push(row(`latency, batch ${b} (ms)`, num(o.latencyMs[b]), num(n.latencyMs[b]), num(c.report.ratios[`latency.${b}`])));
  const reps = [...new Set(Object.values(c.report.repeatsUsed ?? {}))];
  L.push('', `Latency: median of ${reps.length ? reps.join('/') : c.report.repeats} forward passes per batch size, original and exported timed in turns, on the tfjs \`${c.report.backend}\` backend.`);
  L.push(`The exported weights were checked against the source model on ${c.report.check.inputs} random inputs: largest logit difference ${c.report.check.maxAbsDiff.toExponential(2)}.`);
  for (const r of c.report.runtimeChecks ?? []) {
    L.push(r.maxAbsDiff === null
      ? `The ${r.format} file was not run: ${r.skipped ?? 'no runtime'}.`
      : `The ${r.format} file, run by ${r.runtime}${r.version ? ` ${r.version}` : ''} on ${r.inputs} random inputs, gives the source model's logits within ${r.maxAbsDiff.toExponential(2)}.`);
  }
  L.push('', '## Data', '', '```json', JSON.stringify(c.data, null, 2), '```');
  L.push('', '## Using the model', '');
  L.push(`Input: float32 \`[batch, ${c.model.inputs}]\`. Output: \`[batch, ${c.model.outputs}]\` logits (apply softmax for probabilities).`);
  L.push(`Layers: ${[c.model.inputs, ...c.model.hidden, c.model.outputs].join(' → ')}, ${c.model.activation} between layers.`, '');
  L.push(row('format', 'file', 'bytes', 'sha256'), row('---', '---', '---:', '---'));
  for (const f of c.files) L.push(row(f.format, f.name, num(f.bytes), `\`${f.sha256.slice(0, 16)}…\``));
  L.push('', '## Reproducibility', '');
  L.push(`- seed: ${c.seed ?? '–'}`, `- spec sha256: \`${c.specSha256}\``, `- Whittle ${c.whittleVersion}`, `- exported ${c.exportedAt}`, '');
  return L.join('\n');
}
