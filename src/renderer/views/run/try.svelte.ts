// "Try the model" in the run view: a thin client over the API's modelInfo / tryModel /
// confusionMatrix (the model runs in the service's inference thread, never here). One store per
// open run; the panel shows the part that fits the model (CMSP bits, an image, a text prompt).
import type { RunRow } from '../../../shared/api';
import type { DatasetSample } from '../../../shared/specs/dataset';
import type { ConfusionMatrix, ModelInfo, TryInput, TryResult, TryTarget } from '../../../shared/tryModel';
import type { WhittleClient } from '../../lib/api/client';

export const TRY_METHODS = { info: 'modelInfo', run: 'tryModel', confusion: 'confusionMatrix', samples: 'datasetSamples' } as const;

type Client = Pick<WhittleClient, 'has' | 'call'>;

/** A finished run that wrote a model, on a service that can run it. */
export function canTry(client: Pick<WhittleClient, 'has'>, run: Pick<RunRow, 'status'>, artifactKinds: readonly string[]): boolean {
  return client.has(TRY_METHODS.run) && run.status === 'done' && artifactKinds.includes('model');
}

/** A token's colour by its loss: green (≈0 bits, predicted) through yellow to red (≥ `max` bits). */
export function lossColour(bits: number, max = 8): string {
  const t = Math.max(0, Math.min(1, bits / max));
  return `hsl(${Math.round(120 * (1 - t))} 75% 50% / 0.45)`;
}

/** A confusion cell's shade: the share of its true class's images (0 → none, 1 → all). */
export function cellShade(count: number, rowTotal: number): number {
  return rowTotal > 0 ? count / rowTotal : 0;
}

export type CmspTarget = Extract<TryTarget, { kind: 'cmsp' }>;
export type ImagesTarget = Extract<TryTarget, { kind: 'images' }>;
export type CmspResult = Extract<TryResult, { kind: 'cmsp' }>;
export type ImageResult = Extract<TryResult, { kind: 'image' }>;
export type TextResult = Extract<TryResult, { kind: 'text' }>;

export class TryStore {
  info = $state<ModelInfo | null>(null);
  error = $state<string | null>(null);
  busy = $state(false);
  // CMSP
  bits = $state<number[]>([]);
  skill = $state<number[]>([]);
  cmsp = $state<CmspResult | null>(null);
  // images
  image = $state<ImageResult | null>(null);
  /** What the last image was: a test image's index, or the uploaded file's name. */
  imageSource = $state<string>('');
  testImages = $state<DatasetSample[]>([]);
  testOffset = $state(0);
  confusion = $state<ConfusionMatrix | null>(null);
  confusionBusy = $state(false);
  // text
  prompt = $state('');
  maxBytes = $state(64);
  temperature = $state(0);
  text = $state<TextResult | null>(null);

  constructor(private readonly client: Client, readonly runId: string, private readonly random: () => number = Math.random) {}

  async load(): Promise<void> {
    await this.guard(async () => {
      const info = await this.client.call<ModelInfo>(TRY_METHODS.info, this.runId);
      this.info = info;
      if (info.target.kind === 'cmsp') {
        this.bits = new Array(info.target.n).fill(0);
        this.skill = info.target.skills[0] ?? [0];
      }
      if (info.target.kind === 'images') await this.pageTestImages(0);
    });
  }

  /** Calls `f` with the panel busy; an API error is shown in words instead of thrown. */
  private async guard(f: () => Promise<void>): Promise<void> {
    this.busy = true;
    this.error = null;
    try { await f(); } catch (e) { this.error = (e as Error).message; } finally { this.busy = false; }
  }

  private async call<T extends TryResult>(input: TryInput): Promise<T> {
    return this.client.call<T>(TRY_METHODS.run, this.runId, input);
  }

  // ---- CMSP ----
  toggleBit(i: number): void { this.bits[i] = this.bits[i] ? 0 : 1; this.cmsp = null; }
  randomiseBits(): void { this.bits = this.bits.map(() => (this.random() < 0.5 ? 0 : 1)); this.cmsp = null; }
  setSkill(code: number[]): void { this.skill = code; this.cmsp = null; }

  async predictCmsp(): Promise<void> {
    await this.guard(async () => { this.cmsp = await this.call<CmspResult>({ kind: 'cmsp', bits: [...this.bits], skill: [...this.skill] }); });
  }

  // ---- images ----
  async pageTestImages(offset: number): Promise<void> {
    const t = this.info?.target;
    if (t?.kind !== 'images' || !this.client.has(TRY_METHODS.samples)) return;
    this.testImages = await this.client.call<DatasetSample[]>(TRY_METHODS.samples, t.dataset, { split: 'test', offset: Math.max(0, offset), count: 12 });
    this.testOffset = Math.max(0, offset);
  }

  async tryTestImage(sample: DatasetSample): Promise<void> {
    await this.guard(async () => {
      this.image = await this.call<ImageResult>({ kind: 'testImage', index: sample.index });
      this.imageSource = `test image #${sample.index}`;
    });
  }

  /** An uploaded PNG/JPEG as a data: URL; the service converts it to the dataset's shape. */
  async tryImageData(name: string, dataUrl: string): Promise<void> {
    await this.guard(async () => {
      this.image = await this.call<ImageResult>({ kind: 'image', image: dataUrl });
      this.imageSource = name;
    });
  }

  async loadConfusion(): Promise<void> {
    this.confusionBusy = true;
    this.error = null;
    try { this.confusion = await this.client.call<ConfusionMatrix>(TRY_METHODS.confusion, this.runId); }
    catch (e) { this.error = (e as Error).message; }
    finally { this.confusionBusy = false; }
  }

  // ---- text ----
  async runText(): Promise<void> {
    await this.guard(async () => {
      this.text = await this.call<TextResult>({ kind: 'text', prompt: this.prompt, maxBytes: this.maxBytes, temperature: this.temperature, seed: Math.floor(this.random() * 2 ** 31) });
    });
  }
}
