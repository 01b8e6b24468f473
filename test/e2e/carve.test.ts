// "Make a narrow model from a model file" end to end (headless Chromium against a real `whittle
// serve`): a tiny Llama checkpoint is opened inside the wizard, two imported text domains are picked
// as keep / remove, a tiny carve study (attribution pruning vs scratch at half the MLP neurons and
// half the attention heads' KV groups, with a relearn test) runs to the end, its result shows the
// frontier, the per-domain table and the relearn comparison, and the pruned model is exported as a
// transformers.js folder that onnxruntime-node and transformers.js load.
import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRow, StudyRow } from '../../src/shared/api';
import type { CorpusRow } from '../../src/shared/specs/corpusImport';
import { TINY, writeTinyFolder } from '../helpers/hfTiny';
import { need } from '../helpers/prereqs';
import { type App, call, fillFields, openApp, type Serve, shot } from './harness';

const WAIT = { timeout: 120_000 };

/** Two domains that differ: Python-like lines and English prose, 12 files each. */
function writeDomains(root: string): { py: string; prose: string } {
  const py = path.join(root, 'text', 'py');
  const prose = path.join(root, 'text', 'prose');
  fs.mkdirSync(py, { recursive: true });
  fs.mkdirSync(prose, { recursive: true });
  const words = 'the quiet river carried small boats past old houses while children watched from the bridge'.split(' ');
  for (let f = 0; f < 12; f++) {
    let code = '';
    for (let i = 0; code.length < 1500; i++) code += `def f${(i + f) % 7}(x):\n    return x * ${i % 5} + ${f}\n\n`;
    fs.writeFileSync(path.join(py, `m${f}.py`), code);
    let text = '';
    for (let i = 0; text.length < 1500; i++) text += `${words[(i * 5 + f) % words.length]}${i % 9 === 8 ? '. ' : ' '}`;
    fs.writeFileSync(path.join(prose, `p${f}.txt`), text);
  }
  return { py, prose };
}

async function waitCorpus(s: Serve, run: RunRow): Promise<void> {
  await expect.poll(async () => (await call<RunRow>(s, 'getRun', run.id)).status, WAIT).toBe('done');
}

describe.runIf(need('chromium', import.meta.url))('carve a narrow model from a model file (headless Chromium)', () => {
  let serve: Serve;
  let app: App | null = null;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    app = await openApp({ pageErrors });
    ({ serve, page } = app);
  }, 240_000);
  afterAll(async () => { await app?.close(); }, 60_000);

  it('walks the wizard from a checkpoint folder to an exported transformers.js folder', async () => {
    const s = serve;
    const t0 = Date.now();
    const folder = writeTinyFolder(path.join(s.home, 'models', 'tiny-llama'), 'llama');
    const dirs = writeDomains(s.home);
    for (const [corpus, dir] of Object.entries(dirs)) await waitCorpus(s, await call<RunRow>(s, 'importCorpus', { sources: [dir], corpus }));
    expect((await call<CorpusRow[]>(s, 'listCorpora')).map((c) => c.name).sort()).toEqual(['prose', 'py']);

    await page.goto(s.url);
    await page.getByRole('link', { name: 'Make a narrow model from a model file' }).click();
    await page.getByRole('heading', { name: '1. Which model?' }).waitFor(WAIT);
    // no model yet: Next names the field and stays
    await page.getByRole('button', { name: 'Next' }).click();
    await page.locator('[data-field="source"]').getByText('Model: open a checkpoint folder first').waitFor(WAIT);

    // open the checkpoint inside the wizard: once imported it is the chosen model
    await page.getByRole('button', { name: 'Open a model…' }).click();
    await page.getByLabel('Checkpoint folder').fill(folder);
    await page.getByLabel('Name', { exact: true }).fill('tiny llama');
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    const importedId = async () => (await call<RunRow[]>(s, 'listRuns')).find((r) => r.kind === 'importModel' && r.status === 'done')?.id ?? '';
    await expect.poll(importedId, WAIT).not.toBe('');
    const modelId = await importedId();
    await expect.poll(() => page.locator('#c-source').inputValue(), WAIT).toBe(modelId);
    const shape = page.getByRole('definition').filter({ hasText: `${TINY.layers * TINY.mlp} (${TINY.layers} × ${TINY.mlp})` });
    await shape.waitFor(WAIT);
    expect(page.url()).toContain('#/carve');
    await shot(page, 'carve-model');
    await page.getByRole('button', { name: 'Next' }).click();

    // domains: keep py, remove prose
    await page.getByRole('heading', { name: '2. Which text to keep, which to remove?' }).waitFor(WAIT);
    await page.locator('input[name="carve-keep"][value="py"]').check();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.locator('[data-field="remove"]').getByText('Domains to remove: pick at least one domain whose loss must rise.').waitFor(WAIT);
    await page.getByLabel('Remove prose').check();
    await shot(page, 'carve-domains');
    await page.getByRole('button', { name: 'Next' }).click();

    // sizes and methods: half the MLP neurons; attribution pruning against scratch keeps it short
    await page.getByRole('heading', { name: '3. How small, and which methods?' }).waitFor(WAIT);
    await page.locator('#c-sizes').fill('2');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.locator('[data-field="sizes"]').getByText(/2 is not in \(0, 1\]/).waitFor(WAIT);
    await page.locator('#c-sizes').fill('0.5');
    expect(await page.getByTestId('carve-neurons').textContent()).toBe(`Keeps ${TINY.layers * TINY.mlp / 2} of ${TINY.layers * TINY.mlp} MLP neurons.`);
    // half the attention: the tiny Llama has grouped-query attention, so the unit is a choice
    await page.locator('#c-heads').fill('0.5');
    const group = page.getByTestId('carve-head-group');
    await group.waitFor(WAIT);
    await group.getByLabel('query heads alone (the key/value heads stay)').check();
    expect(await page.getByTestId('carve-neurons').textContent()).toBe(`Keeps ${TINY.layers * TINY.mlp / 2} of ${TINY.layers * TINY.mlp} MLP neurons, and ${TINY.layers * TINY.heads / 2} of ${TINY.layers * TINY.heads} heads.`);
    await group.getByLabel('a key/value group with its query heads').check();
    expect(await page.getByTestId('carve-neurons').textContent()).toBe(`Keeps ${TINY.layers * TINY.mlp / 2} of ${TINY.layers * TINY.mlp} MLP neurons, and ${TINY.layers * TINY.kvHeads / 2} of ${TINY.layers * TINY.kvHeads} key/value groups.`);
    for (const m of ['random', 'distill']) await page.locator(`input[name="carve-method"][value="${m}"]`).uncheck();
    await shot(page, 'carve-size');
    await page.getByRole('button', { name: 'Next' }).click();

    // review: small budgets, the estimate from a measured step time, then Start
    await page.getByRole('heading', { name: '4. Review' }).waitFor(WAIT);
    await fillFields(page, 'c', { steps: 30, perStep: 4, evalEvery: 10, context: 16, relearnSteps: 5, targetLossFactor: 1.5, name: 'py from tiny llama' });
    const source = page.getByTestId('estimate-source');
    await expect.poll(() => page.getByTestId('estimate-time').textContent(), WAIT).toMatch(/not measured yet|≈|at least/);
    await page.getByRole('button', { name: 'Measure a step on this machine' }).click();
    await expect.poll(() => source.textContent(), WAIT).toMatch(/From a speed measured on this machine: step-time probe/);
    expect(await page.getByTestId('estimate-time').textContent()).toMatch(/≈|at least/);
    const json = JSON.parse((await page.getByTestId('spec-json').textContent())!);
    expect(json).toMatchObject({ kind: 'lmCompare', source: { run: modelId }, target: 'py', remove: ['prose'], sizes: [{ mlp: 0.5, heads: 0.5 }], methods: ['attribution', 'scratch'], prune: { headGroup: 'kv' }, relearn: { domain: 'prose', steps: 5 } });
    await shot(page, 'carve-review');
    await page.getByRole('button', { name: 'Start' }).click();
    await page.waitForFunction(() => location.hash.startsWith('#/studies/'), null, WAIT);
    const studyId = await page.evaluate(() => decodeURIComponent(location.hash.split('/')[2]));

    // live per-domain charts while it runs, then the result
    await page.locator('[data-testid="domain-chart"][data-domain="py"]').waitFor(WAIT);
    expect(await page.getByTestId('domain-chart').count()).toBe(2);
    let study: StudyRow | null = null;
    await expect.poll(async () => { study = await call<StudyRow>(s, 'getStudy', studyId); return study.status; }, { timeout: 400_000, interval: 1000 }).toMatch(/^(done|failed|cancelled)$/);
    const runs = (await call<RunRow[]>(s, 'listRuns')).filter((r) => r.studyId === studyId);
    expect(runs.filter((r) => r.status !== 'done').map((r) => `${r.studyKey}: ${r.status} ${r.error ?? ''}`)).toEqual([]);
    expect(study!.status).toBe('done');
    await shot(page, 'carve-study-done');

    const table = page.getByRole('table', { name: 'Per-domain loss' });
    await table.locator('tr[data-key="attribution/mlp0.5-heads0.5"]').waitFor(WAIT);
    const summary = study!.summary as { domains: { domain: string; role: string; general: number | null; byRun: Record<string, number | null> }[]; relearn: { after: number | null }[] };
    expect(summary.domains.map((d) => [d.domain, d.role])).toEqual([['py', 'keep'], ['prose', 'remove']]);
    expect(summary.domains.every((d) => d.general !== null && d.byRun['attribution/mlp0.5-heads0.5'] !== null)).toBe(true);
    expect(await table.locator('tbody tr').count()).toBe(3); // the general model, attribution, scratch
    expect(await page.getByRole('table', { name: 'Frontier table' }).textContent()).toMatch(/50% MLP, 50% heads/);
    expect(summary.relearn).toHaveLength(1);
    expect(await page.getByRole('table', { name: 'Relearn test' }).locator('tbody tr').count()).toBe(1);
    await shot(page, 'carve-result');

    // export the pruned model as a transformers.js folder
    await table.getByRole('button', { name: /^Export attribution prune \+ recover/ }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor(WAIT);
    for (const f of ['Hugging Face folder (config.json, safetensors, tokenizer)', 'ONNX']) await dialog.getByLabel(f, { exact: true }).uncheck();
    const out = path.join(s.home, 'exports', 'py-carved');
    await page.locator('#export-out').fill(out);
    await dialog.getByRole('button', { name: 'Export', exact: true }).click();
    const exportRun = async () => (await call<RunRow[]>(s, 'listRuns')).find((r) => r.kind === 'export');
    // the export run's end, or the dialog's refusal in words (then the test fails saying it)
    const state = async () => {
      const alerts = dialog.getByRole('alert');
      if (await alerts.count()) return `refused: ${await alerts.first().textContent()}`;
      return (await exportRun())?.status ?? 'none';
    };
    await expect.poll(state, { timeout: 300_000, interval: 1000 }).toMatch(/^(done|failed|cancelled|refused.*)$/);
    await shot(page, 'carve-export-ended');
    expect(await state()).toBe('done');
    const exported = (await exportRun())!;
    expect(exported.error).toBeNull();
    await dialog.getByRole('table', { name: 'Exported files' }).waitFor(WAIT);
    expect(await dialog.getByRole('alert').count()).toBe(0);
    await shot(page, 'carve-exported');
    for (const f of ['config.json', 'tokenizer.json', 'generation_config.json', 'onnx/model.onnx', 'model-card.md', 'export-report.json']) expect(fs.existsSync(path.join(out, f)), f).toBe(true);
    const config = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'));
    expect(config.intermediate_size).toBeLessThanOrEqual(TINY.mlp);
    // one KV group of two query heads per layer (head_dim written: heads × head width < hidden size)
    expect(config).toMatchObject({ num_attention_heads: TINY.heads / 2, num_key_value_heads: TINY.kvHeads / 2, head_dim: TINY.d / TINY.heads });

    // onnxruntime-node loads the exported graph, and its logits give the prompt's per-token losses the
    // service's own engine reports for the pruned run (tryModel: each token given a newline and what
    // precedes it; the tiny tokenizer has no merges, so ids are the prompt's bytes)
    const prompt = 'def f1(x):\n    return';
    const ids = [10, ...Buffer.from(prompt, 'utf8')];
    const session = await ort.InferenceSession.create(path.join(out, 'onnx', 'model.onnx'));
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]),
      attention_mask: new ort.Tensor('int64', BigInt64Array.from(ids.map(() => 1n)), [1, ids.length]),
    };
    for (const name of session.inputNames.filter((n) => n.startsWith('past_key_values.'))) {
      feeds[name] = new ort.Tensor('float32', new Float32Array(0), [1, config.num_key_value_heads, 0, TINY.d / TINY.heads]);
    }
    const res = await session.run(feeds);
    expect(res.logits.dims).toEqual([1, ids.length, TINY.vocab]);
    const logits = res.logits.data as Float32Array;
    const ortBits = ids.slice(1).map((next, t) => {
      const row = logits.subarray(t * TINY.vocab, (t + 1) * TINY.vocab);
      const max = Math.max(...row);
      const lse = max + Math.log(row.reduce((a, v) => a + Math.exp(v - max), 0));
      return (lse - row[next]) * Math.LOG2E;
    });
    const tried = await call<{ tokens: { lossBits: number }[] }>(s, 'tryModel', runs.find((r) => r.studyKey === 'attribution/mlp0.5-heads0.5')!.id, { kind: 'text', prompt, maxBytes: 0, temperature: 0 });
    expect(tried.tokens).toHaveLength(ortBits.length);
    const worst = Math.max(...tried.tokens.map((t, i) => Math.abs(t.lossBits - ortBits[i])));
    expect(worst).toBeLessThan(1e-3);
    // transformers.js loads the folder (local files only) and gives the same logits
    const { env, AutoModelForCausalLM, Tensor } = await import('@huggingface/transformers');
    env.allowRemoteModels = false;
    env.localModelPath = path.dirname(out);
    const tjs = await AutoModelForCausalLM.from_pretrained(path.basename(out));
    const o = await tjs({ input_ids: new Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]), attention_mask: new Tensor('int64', BigInt64Array.from(ids.map(() => 1n)), [1, ids.length]) }) as { logits: { data: Float32Array } };
    expect(Math.max(...Array.from(o.logits.data, (v, k) => Math.abs(v - logits[k])))).toBeLessThan(1e-4);
    await tjs.dispose();
    console.log(`carve e2e: wizard → study done → transformers.js export in ${((Date.now() - t0) / 1000).toFixed(1)} s; ONNX vs engine per-token loss, largest difference ${worst.toExponential(2)} bits`);
    expect(pageErrors).toEqual([]);
  }, 600_000);
});
