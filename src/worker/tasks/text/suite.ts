// Text domains as skills: each imported corpus is one skill; a batch is a set of token windows.
// A sibling of SkillSuite (which serves classification batches): language modelling needs
// sequences, so training draws random windows of T+1 tokens from a domain's train split and
// evaluation uses fixed, non-overlapping windows of its held-out split.
import type { SkillRef, TokenizerSpec } from '../../../shared/specs';
import type { Rng } from '../../engine/rng';
import type { Skill } from '../types';
import { loadCorpus, type LoadedCorpus } from './corpus';
import { cachedTokens } from './tokenCache';
import { buildTokenizer, type Tokenizer } from './tokenizer';
import { InputError } from '../../../shared/errors';

/** `count` windows of `T + 1` tokens, row-major [count, T + 1]: inputs are [:, :T], targets [:, 1:]. */
export interface SequenceBatch { tokens: Int32Array; count: number; T: number }

export interface TextSkill extends Skill { domain: string }

export interface SequenceSuite {
  readonly kind: 'text';
  readonly vocabSize: number;
  readonly context: number;
  readonly tokenizer: Tokenizer;
  readonly domains: readonly string[];
  skill(ref: SkillRef): TextSkill;
  /** Random training windows of one domain (deterministic given rng). */
  sample(skill: TextSkill, count: number, rng: Rng): SequenceBatch;
  /** Fill rows [offset, offset + count) of `out` (mixing domains into one batch). */
  sampleInto(skill: TextSkill, count: number, rng: Rng, out: SequenceBatch, offset: number): void;
  /** The first `count` non-overlapping windows of the held-out split (fewer when it is short). */
  evalSet(skill: TextSkill, count: number): SequenceBatch;
  /** Held-out bytes per held-out token: converts nats/token to nats/byte. */
  bytesPerToken(skill: TextSkill): number;
  /** Train-split tokens of a domain. */
  trainTokens(skill: TextSkill): number;
}

interface Domain { name: string; train: Int32Array; val: Int32Array; valBytes: number; corpus: LoadedCorpus }

export interface TextSuiteOptions {
  home: string;
  domains: string[];
  context: number;
  tokenizer: TokenizerSpec;
  /** A tokenizer restored from a source model (overrides `tokenizer`: pruned/distilled models must
   *  keep their teacher's vocabulary). */
  fixedTokenizer?: Tokenizer;
}

export class TextSuite implements SequenceSuite {
  readonly kind = 'text' as const;
  readonly tokenizer: Tokenizer;
  readonly context: number;
  private readonly byName = new Map<string, Domain>();
  /** Splits whose token ids came from the corpus's token cache (tokenCache.ts). */
  readonly cachedSplits: number = 0;

  constructor(opts: TextSuiteOptions) {
    if (opts.domains.length === 0) throw new Error('a text task needs at least one domain');
    this.context = opts.context;
    const corpora = opts.domains.map((d) => ({ name: d, corpus: loadCorpus(opts.home, d) }));
    this.tokenizer = opts.fixedTokenizer ?? buildTokenizer(opts.tokenizer, () => bpeSample(corpora.map((c) => c.corpus.train), opts.tokenizer.kind === 'bpe' ? opts.tokenizer.trainBytes : 0));
    for (const { name, corpus } of corpora) {
      const tr = cachedTokens(opts.home, name, corpus, this.tokenizer, 'train');
      const va = cachedTokens(opts.home, name, corpus, this.tokenizer, 'val');
      (this as { cachedSplits: number }).cachedSplits += Number(tr.cached) + Number(va.cached);
      const train = tr.ids;
      const val = va.ids;
      const need = this.context + 1;
      if (train.length < need || val.length < need) {
        throw new InputError(`text domain '${name}' is too small for context ${this.context}: it has ${train.length} train and ${val.length} held-out tokens, and each split needs at least ${need}` +
          ` (import more text into '${name}', raise its valFraction, or lower the context)`);
      }
      this.byName.set(name, { name, train, val, valBytes: corpus.val.length, corpus });
    }
  }

  get vocabSize(): number { return this.tokenizer.vocabSize; }
  get domains(): string[] { return [...this.byName.keys()]; }

  skill(ref: SkillRef): TextSkill {
    if (typeof ref !== 'string' || !this.byName.has(ref)) {
      throw new Error(`skill ${JSON.stringify(ref)} is not a text domain of this task (domains: ${this.domains.join(', ')})`);
    }
    const d = this.byName.get(ref)!;
    return { key: ref, domain: ref, description: `text domain '${ref}': ${d.corpus.manifest.files.train + d.corpus.manifest.files.val} files, ${d.train.length} train tokens` };
  }

  private domain(s: TextSkill): Domain {
    const d = this.byName.get(s.domain);
    if (!d) throw new Error(`unknown text domain '${s.domain}'`);
    return d;
  }

  sample(skill: TextSkill, count: number, rng: Rng): SequenceBatch {
    const out: SequenceBatch = { tokens: new Int32Array(count * (this.context + 1)), count, T: this.context };
    this.sampleInto(skill, count, rng, out, 0);
    return out;
  }

  sampleInto(skill: TextSkill, count: number, rng: Rng, out: SequenceBatch, offset: number): void {
    const { train } = this.domain(skill);
    const w = out.T + 1;
    const maxStart = train.length - w;
    for (let i = 0; i < count; i++) {
      const s = rng.int(maxStart + 1);
      out.tokens.set(train.subarray(s, s + w), (offset + i) * w);
    }
  }

  evalSet(skill: TextSkill, count: number): SequenceBatch {
    const { val } = this.domain(skill);
    const T = this.context;
    const n = Math.min(count, Math.floor((val.length - 1) / T));
    const tokens = new Int32Array(n * (T + 1));
    for (let i = 0; i < n; i++) tokens.set(val.subarray(i * T, i * T + T + 1), i * (T + 1));
    return { tokens, count: n, T };
  }

  bytesPerToken(skill: TextSkill): number {
    const d = this.domain(skill);
    return d.valBytes / d.val.length;
  }

  trainTokens(skill: TextSkill): number { return this.domain(skill).train.length; }
}

/** Up to `budget` bytes taken evenly from the start of each train split (BPE training text). */
function bpeSample(trains: Uint8Array[], budget: number): Uint8Array {
  const per = Math.floor(budget / Math.max(1, trains.length));
  const parts = trains.map((t) => t.subarray(0, Math.min(per, t.length)));
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}
