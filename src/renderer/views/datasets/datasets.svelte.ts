// The datasets page: registry calls by name (they light up once the API declares them), imports
// through the `importDataset` run kind, which every build with image support has.
import type { DatasetRow, DatasetSample } from '../../../shared/specs/dataset';
import { RunSpec } from '../../../shared/specs';
import type { WhittleClient } from '../../lib/api/client';

export const DATASET_METHODS = { list: 'listDatasets', get: 'getDataset', samples: 'datasetSamples', remove: 'deleteDataset' } as const;

export function canImport(client: Pick<WhittleClient, 'has'>): boolean {
  return client.has('importDataset') && RunSpec.options.some((o) => o.shape.kind.value === 'importDataset');
}

export function datasetsAvailable(client: WhittleClient): boolean {
  return client.has(DATASET_METHODS.list) || canImport(client);
}

export class DatasetsStore {
  datasets = $state<DatasetRow[]>([]);
  error = $state<string | null>(null);
  loaded = $state(false);
  readonly canList: boolean;

  constructor(private readonly client: Pick<WhittleClient, 'has' | 'call'>) {
    this.canList = client.has(DATASET_METHODS.list);
  }

  async load(): Promise<void> {
    if (!this.canList) { this.loaded = true; return; }
    try {
      this.datasets = await this.client.call<DatasetRow[]>(DATASET_METHODS.list);
      this.error = null;
    } catch (e) {
      this.error = (e as Error).message;
    } finally {
      this.loaded = true;
    }
  }

  samples(name: string, opts: { split?: 'train' | 'test'; classIndex?: number; count?: number }): Promise<DatasetSample[]> {
    return this.client.call<DatasetSample[]>(DATASET_METHODS.samples, name, opts);
  }

  canSample(): boolean { return this.client.has(DATASET_METHODS.samples); }
  canRemove(): boolean { return this.client.has(DATASET_METHODS.remove); }

  async remove(name: string): Promise<void> {
    await this.client.call(DATASET_METHODS.remove, name);
    this.datasets = this.datasets.filter((d) => d.name !== name);
  }
}

/** HWC uint8 pixels → RGBA for an ImageData. */
export function toRgba(pixels: readonly number[], shape: readonly [number, number, number]): Uint8ClampedArray<ArrayBuffer> {
  const [h, w, c] = shape;
  const out = new Uint8ClampedArray(new ArrayBuffer(h * w * 4));
  for (let i = 0; i < h * w; i++) {
    const r = pixels[i * c], g = c >= 3 ? pixels[i * c + 1] : r, b = c >= 3 ? pixels[i * c + 2] : r;
    out[i * 4] = r; out[i * 4 + 1] = g; out[i * 4 + 2] = b; out[i * 4 + 3] = 255;
  }
  return out;
}

/** A dataset name from a source path: its last folder name, made portable (mirrors the service). */
export function nameFromSource(source: string): string {
  const base = source.replace(/[\\/]+$/, '').split(/[\\/]/).pop() ?? '';
  const clean = base.replace(/\.(gz|idx\d?-ubyte)$/i, '').replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 64);
  return clean || 'dataset';
}
