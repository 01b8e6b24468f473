// The family protocol: the registry reads every arch tag (the old 'transformer' one too), each
// family round-trips through its own file, declares its parameters with the sizes it counts, and
// rejects bad configs naming the field; models/ imports neither compress/ nor train/.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../engine/backend';
import { Rng } from '../engine/rng';
import { tf } from '../engine/tf';
import { decoderConfig } from './decoder/config';
import { decodeModelFile, families, familyOfArch } from './family';
import { decodeSafetensors, encodeSafetensors } from './safetensors';

beforeAll(async () => { await initBackend('cpu'); });

const mlpCfg = { inputs: 5, hidden: [6, 4], outputs: 3, activation: 'tanh' as const };
const decCfg = decoderConfig({ vocab: 11, context: 6, dModel: 8, heads: 2, headDim: 4, mlp: [12, 10] });

describe('model families', () => {
  it('finds the family of every arch tag, the old transformer tag as decoder', () => {
    expect(familyOfArch('mlp')).toBe('mlp');
    expect(familyOfArch('decoder')).toBe('decoder');
    expect(familyOfArch('transformer')).toBe('decoder');
    expect(familyOfArch('bert')).toBeNull();
    expect(familyOfArch(undefined)).toBeNull();
    expect(Object.keys(families)).toEqual(['mlp', 'decoder']);
  });

  it('round-trips each family through its file, with live models in between, leaking nothing', () => {
    const before = tf.memory().numTensors;
    for (const [f, cfg] of [[families.mlp, mlpCfg], [families.decoder, decCfg]] as const) {
      const w0 = (f.init as (c: unknown, r: Rng) => never)(cfg, new Rng(3));
      const m = (f.create as (w: unknown) => { dispose(): void; paramCount(): number; params(): tf.Variable[] })(w0);
      const w = (f.weights as (m: unknown) => { config: unknown; masks: unknown })(m);
      const decls = (f.paramDecls as (c: unknown) => { name: string }[])(cfg);
      expect(m.params().length).toBe(decls.length);
      expect(m.params().reduce((s, v) => s + v.size, 0)).toBe((f.countParams as (c: unknown) => number)(cfg));
      const buf = (f.encode as (w: unknown, m: Record<string, string>) => Uint8Array)(w, { note: 'x' });
      expect(decodeSafetensors(buf).metadata['whittle.arch']).toBe(f.archTags[0]);
      const back = decodeModelFile(buf, 'test file');
      expect(back.family).toBe(f.name);
      expect(back.metadata.note).toBe('x');
      expect(back.weights.config).toEqual(w.config);
      expect(back.weights.masks).toEqual(w.masks);
      const facts = (f.describe as (w: unknown) => { family: string; params: number })(back.weights);
      expect(facts.family).toBe(f.name);
      expect(facts.params).toBe(m.paramCount());
      m.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it("reads a decoder file written with the old 'transformer' tag", () => {
    const w = families.decoder.init(decCfg, new Rng(1));
    const st = decodeSafetensors(families.decoder.encode(w));
    const old = encodeSafetensors({ tensors: st.tensors, metadata: { ...st.metadata, 'whittle.arch': 'transformer' } });
    const back = decodeModelFile(old);
    if (back.family !== 'decoder') throw new Error(`read as ${back.family}`);
    expect(back.weights.config.mlp).toEqual([12, 10]);
    expect(() => decodeModelFile(encodeSafetensors({ tensors: st.tensors, metadata: { ...st.metadata, 'whittle.arch': 'bert' } }), 'x.safetensors'))
      .toThrow(/x.safetensors: unknown model family 'bert'; known: mlp, decoder\/transformer/);
  });

  it('rejects bad configs naming the field', () => {
    expect(() => families.decoder.config({ vocab: 11, context: 6, dModel: 8, headDim: 4, mlp: [4] }, 'cfg')).toThrow(/cfg: heads must be a positive integer, got undefined/);
    expect(() => families.decoder.config({ ...decCfg, mlp: [] }, 'cfg')).toThrow(/cfg: mlp must be a non-empty list/);
    expect(() => families.decoder.config({ ...decCfg, heads: 3, kvHeads: 2 }, 'cfg')).toThrow(/kvHeads \(2\) must divide heads \(3\)/);
    expect(families.decoder.config({ vocab: 11, context: 6, dModel: 8, heads: 2, headDim: 4, mlp: [4] }, 'cfg').norm).toBe('layernorm');
    expect(() => families.mlp.config({ ...mlpCfg, activation: 'gelu' }, 'cfg')).toThrow(/cfg: activation must be 'relu' or 'tanh', got "gelu"/);
    expect(() => families.mlp.config({ ...mlpCfg, hidden: [4, 0] }, 'cfg')).toThrow(/cfg: hidden must be a list of positive integers/);
    expect(families.mlp.config(mlpCfg, 'cfg')).toEqual(mlpCfg);
    // a file whose config lacks a field says which file and which field
    const w = families.decoder.init(decCfg, new Rng(1));
    const st = decodeSafetensors(families.decoder.encode(w));
    const bad = encodeSafetensors({ tensors: st.tensors, metadata: { ...st.metadata, 'whittle.config': JSON.stringify({ ...decCfg, dModel: undefined }) } });
    expect(() => families.decoder.decode(bad, 'run/model.safetensors')).toThrow(/run\/model.safetensors: whittle.config: dModel must be a positive integer/);
  });

  it('models/ imports neither compress/ nor train/ (they build on models, not the reverse; tests may use the train step\'s loss)', () => {
    const root = path.dirname(new URL(import.meta.url).pathname);
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (p.endsWith('.ts') && !p.endsWith('.test.ts')) {
          for (const m of fs.readFileSync(p, 'utf8').matchAll(/from '([^']+)'/g)) {
            const target = path.resolve(path.dirname(p), m[1]);
            const rel = path.relative(path.dirname(root), target).split(path.sep)[0];
            if (m[1].startsWith('.') && (rel === 'compress' || rel === 'train')) offenders.push(`${path.relative(root, p)} → ${m[1]}`);
          }
        }
      }
    };
    walk(root);
    expect(offenders).toEqual([]);
  });
});
