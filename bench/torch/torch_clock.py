"""Runs ../shared/bench/torch_mlp_step.py unmodified, observing its clock.

The reference script times each step with two time.perf_counter() calls. We wrap perf_counter so
each call also records the process CPU time; after the script prints its own JSON line we print
a second one with the median CPU ms per step (CPU time is far less sensitive than wall time to
other processes on a shared machine; it is comparable across implementations at 1 thread).

    python3 torch_clock.py SCRIPT [script args...]
"""
import json, runpy, statistics, sys, time

script = sys.argv[1]
args = sys.argv[2:]
warmup = int(args[args.index("--warmup") + 1]) if "--warmup" in args else 5
steps = int(args[args.index("--steps") + 1]) if "--steps" in args else 30
calls = []
_wall = time.perf_counter


def clock():
    calls.append(time.process_time())
    return _wall()


time.perf_counter = clock
sys.argv = [script] + args
runpy.run_path(script, run_name="__main__")
time.perf_counter = _wall
# The timing loop makes the last warmup + 2·steps calls: one per warmup step (its end is not
# read), then (start, end) per timed step. Anything earlier is not ours to pair.
loop = calls[len(calls) - (warmup + 2 * steps):][warmup:]
timed = [(loop[i + 1] - loop[i]) * 1000 for i in range(0, len(loop) - 1, 2)]
print(json.dumps({"cpu_ms": round(statistics.median(timed), 2) if timed else None}))
