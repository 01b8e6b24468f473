// Carving a narrow model out of an imported checkpoint (issue 19), end to end through the engine:
// a tiny Hugging Face Llama and GPT-2 (test/helpers/hfTiny.ts) are imported, fine-tuned for a few
// hundred steps on two synthetic text domains so that they know both, and then the lmCompare
// study's plan (source = that model, keep 'code', remove 'prose') runs job by job: the general
// model evaluated, attribution pruning to half the MLP neurons and half the attention-head units
// (the Llama's KV groups with their query heads, GPT-2's heads) with recovery on 'code', and the
// relearn test. The pruned model must reach the target on the kept domain and lose the removed
// one; its export (hf, onnx, transformers.js) must load back with the same logits.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyFolder, type TinyArch } from './helpers/hfTiny';
import type { JobInput } from '../src/shared/events';
import { ExportSpec, ImportCorpusSpec, ImportModelSpec, LmSpec, type RunSpec } from '../src/shared/specs';
import { LmCompareStudySpec } from '../src/shared/studies/text';
import { lmCompareStudy } from '../src/main/services/studies/lmCompare';
import { initBackend, type BackendInfo } from '../src/worker/engine/backend';
import { Rng } from '../src/worker/engine/rng';
import { tf } from '../src/worker/engine/tf';
import { engineLogits, OrtDecoder, randomTokens } from '../src/worker/export/decoderVerify';
import { exportDecoder } from '../src/worker/export/exportDecoder';
import { weightsFromHfFiles } from '../src/worker/export/hfExport';
import { decodeTransformer } from '../src/worker/models/decoder/file';
import { importCorpusJob } from '../src/worker/jobs/importCorpus';
import { importModelJob } from '../src/worker/jobs/importModel';
import { lmJob } from '../src/worker/jobs/lm';
import { recordingContext } from '../src/worker/jobs/testContext';

let home: string;
let backend: BackendInfo;
beforeAll(async () => {
  backend = await initBackend('cpu');
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'whittle-carve-'));
  // two domains a byte-level model tells apart: assignments of digits, and lower-case prose
  const words = ['the', 'cat', 'sat', 'on', 'a', 'mat', 'and', 'dog', 'ran', 'far'];
  const corpora: Record<string, (r: Rng) => string> = {
    code: (r) => `x${r.int(4)} = f(x${r.int(4)}) + ${r.int(10)};`,
    prose: (r) => Array.from({ length: 5 }, () => words[r.int(words.length)]).join(' ') + '.',
  };
  for (const [name, line] of Object.entries(corpora)) {
    const r = new Rng(name.length);
    const src = path.join(home, 'src', name);
    fs.mkdirSync(src, { recursive: true });
    for (let f = 0; f < 10; f++) fs.writeFileSync(path.join(src, `f${f}.txt`), Array.from({ length: 40 }, () => line(r)).join('\n') + '\n');
    await importCorpusJob(recordingContext(ImportCorpusSpec.parse({ kind: 'importCorpus', corpus: name, sources: [src], valFraction: 0.2 }), path.join(home, 'runs', `corpus-${name}`), backend, { home }));
  }
});
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

let seq = 0;
/** Run one job in-process in a fresh run folder; its JobInput (what later runs read) with the summary. */
async function run(spec: RunSpec, inputs: Record<string, JobInput> = {}): Promise<JobInput & { logs: string[] }> {
  const dir = path.join(home, 'runs', `r${++seq}`);
  const ctx = recordingContext(spec, dir, backend, { home });
  ctx.inputs = inputs;
  (ctx as { runId: string }).runId = `r${seq}`;
  const job = spec.kind === 'importModel' ? importModelJob : lmJob;
  const summary = await (job as (c: typeof ctx) => Promise<Record<string, unknown>>)(ctx);
  return { runId: `r${seq}`, dir, spec, summary, logs: ctx.logs };
}

const task = { suite: 'text' as const, domains: ['code', 'prose'], context: 16 };
const losses = (r: JobInput) => r.summary!.losses as Record<string, number>;

describe.each<TinyArch>(['llama', 'gpt2'])('carving a tiny imported %s', (arch) => {
  it('prunes it to half its MLP neurons and half its heads for code: code within the target, prose lost, relearn measured; the export loads back with the same logits', async () => {
    const before = tf.memory().numTensors;
    const imported = await run(ImportModelSpec.parse({ kind: 'importModel', folder: writeTinyFolder(path.join(home, 'hf', arch), arch) }));
    // the general model: the imported checkpoint trained on both domains
    const general = await run(LmSpec.parse({
      kind: 'lm', method: 'finetune', inputs: { source: imported.runId }, task, mixture: [{ skill: 'code', perStep: 8 }, { skill: 'prose', perStep: 8 }],
      steps: 200, optimizer: { lr: 2e-2, weightDecay: 0 }, schedule: { warmup: 10, minFraction: 0.1 }, eval: { every: 200, windows: 16 },
    }), { source: imported });
    expect(losses(general).code).toBeLessThan(2); // learnt: a byte model starts at ln 257 ≈ 5.5

    const study = LmCompareStudySpec.parse({
      kind: 'lmCompare', source: { run: general.runId }, task, target: 'code', remove: ['prose'], targetLossFactor: 1.1,
      sizes: [{ mlp: 0.5, heads: 0.5 }], methods: ['attribution'], perStep: 16, steps: 300, optimizer: { lr: 1e-2, weightDecay: 0 }, schedule: { warmup: 10, minFraction: 0.1 },
      prune: { scoreWindows: 32 }, relearn: { steps: 10 }, eval: { every: 10, windows: 16 },
    });
    const done = new Map<string, JobInput & { logs: string[] }>();
    for (const p of lmCompareStudy.plan(study)) {
      const inputs = Object.fromEntries(Object.entries((p.spec as LmSpec).inputs).map(([role, ref]) => [role, ref.startsWith('@') ? done.get(ref.slice(1))! : general]));
      done.set(p.key, await run(p.spec, inputs));
    }
    const evaluated = done.get('general')!;
    const pruned = done.get('attribution/mlp0.5-heads0.5')!;
    // the evaluation read the corpora's token ids from the cache the fine-tuning wrote
    expect(evaluated.logs.join('\n')).toMatch(/token ids of 4 corpus split\(s\) read from the token cache/);
    expect(pruned.summary!.neurons).toBe(24); // 2 layers × 24 neurons, half kept
    // 4 query heads per layer: half the units kept in every layer (prune.headScope perLayer, the default)
    expect((pruned.summary!.headsKept as number[]).reduce((a, b) => a + b, 0)).toBe(4);
    if (arch === 'llama') expect(pruned.summary).toMatchObject({ heads: 2, kvHeads: 1 }); // one KV group of 2 query heads per layer
    else expect(pruned.summary!.heads).toBeLessThan(4);
    expect(pruned.logs.join('\n')).toMatch(arch === 'llama' ? /KV groups kept per layer: 1\+1 of 2 each/ : /heads kept per layer: \d\+\d of 4 each/);
    expect(pruned.summary!.tokensToTarget).not.toBeNull();
    expect(losses(pruned).code).toBeLessThanOrEqual(1.1 * losses(evaluated).code);
    expect(losses(pruned).prose).toBeGreaterThan(losses(evaluated).prose);

    const runs = [...done].map(([key, r]) => ({ id: r.runId, name: key, kind: 'lm', status: 'done', studyId: 's', studyKey: key, spec: r.spec, dependsOn: [], createdAt: 0, startedAt: 0, endedAt: 0, progress: null, error: null, errorKind: null, backend: 'cpu', summary: r.summary }));
    const summary = lmCompareStudy.summarize(study, runs as never) as { domains: { domain: string; general: number; byRun: Record<string, number> }[]; relearn: { before: number; after: number; generalAfter: number }[] };
    expect(summary.domains.find((d) => d.domain === 'prose')!.byRun['attribution/mlp0.5-heads0.5']).toBe(losses(pruned).prose);
    const rl = summary.relearn[0];
    expect(rl.after).toBeLessThan(rl.before); // fine-tuning on prose brings some of it back …
    expect(Number.isFinite(rl.generalAfter)).toBe(true); // … and the general model's own fine-tune is the yardstick

    // export the carved model in every decoder format and read each back
    const out = path.join(home, 'out', arch);
    const res = await exportDecoder({
      spec: ExportSpec.parse({ kind: 'export', inputs: { source: pruned.runId }, out, formats: ['hf', 'onnx', 'transformersjs'], latency: { repeats: 2 } }),
      source: pruned, original: general, backend: 'cpu', whittleVersion: 'test',
    });
    expect(res.card.model.huggingFace).toBe(arch === 'llama' ? 'LlamaForCausalLM' : 'GPT2LMHeadModel');
    const w = decodeTransformer(new Uint8Array(fs.readFileSync(path.join(pruned.dir, 'model.safetensors')))).weights;
    const toks = randomTokens(2, 12, 257, 7);
    const want = engineLogits(w, toks, 2, 12);
    const maxDiff = (got: ArrayLike<number>) => Math.max(...Array.from(got, (v, k) => Math.abs(v - want[k])));
    const hf = weightsFromHfFiles(fs.readFileSync(path.join(out, 'config.json'), 'utf8'), new Uint8Array(fs.readFileSync(path.join(out, 'model.safetensors'))));
    expect(maxDiff(engineLogits(hf, toks, 2, 12))).toBeLessThanOrEqual(1e-4);
    // GPT-2 files carry zero heads back up to n_embd / head width (n_head × head width = n_embd); Llama's the kept count
    const cfg = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8')) as Record<string, number>;
    expect(arch === 'llama' ? cfg.num_attention_heads : cfg.n_head).toBe(arch === 'llama' ? 2 : 4);
    const dec = await OrtDecoder.open(ort, new Uint8Array(fs.readFileSync(path.join(out, 'onnx', 'model.onnx'))), { layers: 2, kvHeads: arch === 'llama' ? cfg.num_key_value_heads : cfg.n_head, headDim: w.config.headDim });
    expect(maxDiff((await dec.run(toks, 2, null)).logits)).toBeLessThanOrEqual(1e-4);
    await dec.release();
    const { env, AutoModelForCausalLM } = await import('@huggingface/transformers');
    env.allowRemoteModels = false;
    env.localModelPath = path.dirname(out);
    const tjs = await AutoModelForCausalLM.from_pretrained(path.basename(out));
    const ids = new ort.Tensor('int64', BigInt64Array.from(Array.from(toks), (v) => BigInt(v)), [2, 12]);
    const { Tensor } = await import('@huggingface/transformers');
    const o = await tjs({ input_ids: new Tensor('int64', ids.data as BigInt64Array, [2, 12]), attention_mask: new Tensor('int64', new BigInt64Array(24).fill(1n), [2, 12]) }) as { logits: { data: Float32Array } };
    expect(maxDiff(o.logits.data)).toBeLessThanOrEqual(1e-4);
    await tjs.dispose();
    expect(tf.memory().numTensors).toBe(before);
  }, 240_000);
});
