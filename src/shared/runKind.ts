// What kind of work a run is, in the words a user reads in lists and headers. Mostly the job kind,
// but a compare study's "scratch" baseline is a distill run with α = 1 (the same training loop
// with no teacher term: plain training on hard labels), and it was shown as "distill".
import type { RunSpec } from './specs';

export function runKindLabel(run: { kind: RunSpec['kind']; spec: RunSpec }): string {
  const s = run.spec;
  if (s.kind === 'distill' && s.alpha === 1) return 'scratch';
  return run.kind;
}
