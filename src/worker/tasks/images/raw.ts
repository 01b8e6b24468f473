// What every source reader produces before splitting, normalising and writing.

/** Images uint8 [count, h, w, c] (HWC) and their class indices. */
export interface Part { images: Uint8Array; labels: Uint16Array; count: number }

export interface RawDataset {
  kind: 'idx' | 'folder';
  /** [height, width, channels] */
  shape: [number, number, number];
  /** Class names when the source has them (folder names), else null. */
  classes: string[] | null;
  numClasses: number;
  train: Part;
  /** null when the source has no split of its own. */
  test: Part | null;
  /** sha256 over the source files' relative paths and bytes, and how many files. */
  sourceSha256: string;
  sourceFiles: number;
}

export function countPerClass(labels: Uint16Array, k: number): number[] {
  const out = new Array<number>(k).fill(0);
  for (const l of labels) out[l]++;
  return out;
}
