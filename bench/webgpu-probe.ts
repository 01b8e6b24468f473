// What the automatic backend choice's quiet WebGPU lookup costs (engine/webgpuQuietProbe.ts): one
// child Node process plus Dawn's adapter enumeration, once per worker process. Prints JSON.
//   node --import tsx bench/webgpu-probe.ts [--rounds 10]
import os from 'node:os';
import { parseArgs } from 'node:util';
import { probeWebgpuQuietly } from '../src/worker/engine/webgpuQuietProbe';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '10' } } });
const rounds = Number(values.rounds);
const ms: number[] = [];
let answer = '';
const loadBefore = os.loadavg();
for (let i = 0; i < rounds; i++) {
  const t0 = performance.now();
  const r = await probeWebgpuQuietly(20_000);
  ms.push(performance.now() - t0);
  answer = r.kind === 'adapter' ? `adapter: ${r.adapter.info?.vendor ?? '?'} ${r.adapter.info?.description ?? ''}`.trim() : r.kind;
}
const sorted = [...ms].sort((a, b) => a - b);
console.log(JSON.stringify({
  what: 'probeWebgpuQuietly(): child process + Dawn requestAdapter()', when: new Date().toISOString(),
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, loadavgBefore: loadBefore, loadavgAfter: os.loadavg() },
  answer, rounds, medianMs: Math.round(sorted[Math.floor(rounds / 2)]), minMs: Math.round(sorted[0]), maxMs: Math.round(sorted.at(-1)!),
  ms: ms.map((x) => Math.round(x)),
}, null, 2));
