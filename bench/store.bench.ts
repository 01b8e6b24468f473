// Store benchmark: metric-insert throughput, batched (one transaction per worker message, as the
// scheduler writes) and unbatched for contrast. Prints one JSON object.
//   node --import tsx bench/store.bench.ts
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Store } from '../src/main/services/store';

export function benchStore(rows = 200_000, batch = 1000): Record<string, unknown> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'whittle-bench-'));
  const store = new Store(home);
  store.insertRun({ id: 'r', name: 'bench', spec: { kind: 'selftest', seed: 0, steps: 1, stepMs: 0, checkpointEvery: 1, failAt: 0 } });
  // Five series, as a CMSP run writes them; steps advance like a real run's.
  const batches = Array.from({ length: rows / batch }, (_, b) => Array.from({ length: batch }, (_, i) => {
    const n = b * batch + i;
    return { step: Math.floor(n / 5), key: `loss/[${n % 5}]`, value: Math.random(), samples: n * 100 };
  }));
  const points = batches[0];
  let t = performance.now();
  for (const pts of batches) store.insertMetrics('r', pts);
  const batchedS = (performance.now() - t) / 1000;
  const single = 2000;
  t = performance.now();
  for (let i = 0; i < single; i++) store.insertMetrics('r', [{ ...points[i % batch], step: rows + i }]);
  const singleS = (performance.now() - t) / 1000;
  t = performance.now();
  const series = store.metrics('r', { keys: ['loss/[0]'] });
  const readS = (performance.now() - t) / 1000;
  store.close();
  fs.rmSync(home, { recursive: true, force: true });
  return {
    bench: 'store.metrics',
    rows, batch,
    batchedRowsPerS: Math.round(rows / batchedS),
    unbatchedRowsPerS: Math.round(single / singleS),
    readSeriesPoints: series.series['loss/[0]'].length,
    readSeriesMs: Math.round(readS * 1000),
    target: '>= 100000 rows/s batched',
  };
}

if (process.argv[1]?.endsWith('store.bench.ts')) console.log(JSON.stringify(benchStore(), null, 2));
