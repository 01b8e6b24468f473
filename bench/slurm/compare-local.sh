#!/usr/bin/env bash
# The README's Slurm figure: the same 6-run curriculum study run locally and with --executor slurm
# (scripts/ci/slurm-up.sh's single-node cluster), from fresh data folders; writes a JSON with both
# wall times, the load, and whether the per-run results agree.
#   bash bench/slurm/compare-local.sh [OUT_JSON]
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-bench/results/$(date -u +%F)-slurm-vs-local.json}
work=$(mktemp -d /tmp/whittle-slurm-bench-XXXX)   # /tmp: the single-node cluster's node sees it
args=(study --recipe curriculum-cpu --set 'seeds=[1,2]' --set base.steps=3000 --set base.eval.every=50 --set base.checkpointEvery=500 --yes --json)
load0=$(cut -d' ' -f1-3 /proc/loadavg)
t0=$(date +%s.%N); node bin/whittle.mjs "${args[@]}" --home "$work/local" > "$work/local.json"; t1=$(date +%s.%N)
node bin/whittle.mjs "${args[@]}" --home "$work/slurm" --executor slurm --cpus-per-task 1 > "$work/slurm.json"; t2=$(date +%s.%N)
load1=$(cut -d' ' -f1-3 /proc/loadavg)
python3 - "$work" "$out" "$t0" "$t1" "$t2" "$load0" "$load1" "$(git rev-parse --short HEAD)" <<'PY'
import json, sys
work, out, t0, t1, t2, load0, load1, commit = sys.argv[1:]
loc, sl = (json.load(open(f'{work}/{k}.json')) for k in ('local', 'slurm'))
def per_run(s):
    return {g['regime'] + '/' + str(x['seed']): {'stepsToLearn': x.get('stepsToLearn'), 'finalLossBits': x.get('finalLossBits')}
            for g in s['summary']['regimes'] for x in g['seeds']}
a, b = per_run(loc), per_run(sl)
json.dump({'what': 'curriculum-cpu, seeds [1,2], base.steps 3000 (6 runs): local vs --executor slurm --cpus-per-task 1',
           'command': 'bash bench/slurm/compare-local.sh', 'commit': commit, 'machine': {'cpus': 2, 'loadavgBefore': load0, 'loadavgAfter': load1},
           'wallSeconds': {'local': round(float(t1) - float(t0), 1), 'slurm': round(float(t2) - float(t1), 1)},
           'status': {'local': loc['status'], 'slurm': sl['status']}, 'sameResults': a == b, 'perRun': {'local': a, 'slurm': b}},
          open(out, 'w'), indent=1)
print(open(out).read()[:600])
PY
