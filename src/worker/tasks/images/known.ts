// Class names and named skills for data sets whose IDX files carry none, recognised by the sha256
// of their training labels (payload bytes after the IDX header), so a renamed folder still matches.
import { createHash } from 'node:crypto';

export interface KnownDataset { title: string; classes: string[]; subsets: Record<string, number[]> }

export const FASHION_MNIST: KnownDataset = {
  title: 'Fashion-MNIST',
  classes: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
  subsets: {
    footwear: [5, 7, 9],
    tops: [0, 2, 4, 6],
    clothing: [0, 1, 2, 3, 4, 6],
  },
};

const BY_TRAIN_LABELS: Record<string, KnownDataset> = {
  '657fbd221bfc9f4198cc14b5619cc33ec57c58dd0e47af4d99d6650759e869a7': FASHION_MNIST,
};

export function recogniseByLabels(trainLabels: Uint16Array): KnownDataset | null {
  const bytes = Uint8Array.from(trainLabels, (v) => (v > 255 ? 255 : v));
  return BY_TRAIN_LABELS[createHash('sha256').update(bytes).digest('hex')] ?? null;
}
