"""Runs a reference script (torch_mlp_step.py here) unmodified, observing its clock and its BLAS.

The reference script times each step with two time.perf_counter() calls. We wrap perf_counter so
each call also records the process CPU time; after the script prints its own JSON line we print
a second one with the median CPU ms per step (CPU time is far less sensitive than wall time to
other processes on a shared machine; it is comparable across implementations at 1 thread) and the
kernel set OpenBLAS chose (openblas_get_corename: "Haswell" when OPENBLAS_CORETYPE pins it, the
CPU's own, e.g. "Cooperlake" or "SkylakeX", when it is free to choose).

    python3 torch_clock.py SCRIPT [script args...]
"""
import ctypes, json, runpy, statistics, sys, time

script = sys.argv[1]
args = sys.argv[2:]
warmup = int(args[args.index("--warmup") + 1]) if "--warmup" in args else 5
steps = int(args[args.index("--steps") + 1]) if "--steps" in args else 30
calls = []
_wall = time.perf_counter


def clock():
    calls.append(time.process_time())
    return _wall()


def openblas():
    """The OpenBLAS this process loaded (through torch), its kernel set and its build config."""
    try:
        with open("/proc/self/maps") as f:
            libs = sorted({line.split()[-1] for line in f if "openblas" in line and line.split()[-1].startswith("/")})
    except OSError:
        return None
    for path in libs:
        try:
            lib = ctypes.CDLL(path)
            lib.openblas_get_corename.restype = ctypes.c_char_p
            lib.openblas_get_config.restype = ctypes.c_char_p
            return {"core": lib.openblas_get_corename().decode(), "config": lib.openblas_get_config().decode(), "path": path}
        except (OSError, AttributeError):
            continue
    return None


time.perf_counter = clock
sys.argv = [script] + args
runpy.run_path(script, run_name="__main__")
time.perf_counter = _wall
# The timing loop makes the last warmup + 2·steps calls: one per warmup step (its end is not
# read), then (start, end) per timed step. Anything earlier is not ours to pair.
loop = calls[len(calls) - (warmup + 2 * steps):][warmup:]
timed = [(loop[i + 1] - loop[i]) * 1000 for i in range(0, len(loop) - 1, 2)]
print(json.dumps({"cpu_ms": round(statistics.median(timed), 2) if timed else None, "openblas": openblas()}))
