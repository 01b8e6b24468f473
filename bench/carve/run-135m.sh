#!/usr/bin/env bash
# The 135M carve recipe timed end to end (issue 19): a random-weight SmolLM-135M-shaped Llama
# checkpoint written by scripts/hf_fixtures.py (no download), imported, two synthetic text domains
# (python-like code and prose), then `whittle study --recipe lm-carve-135m` under /usr/bin/time -v.
# Writes bench/results/lm-carve-135m.json (wall time of the study, peak RSS, machine, load).
# Usage: bench/carve/run-135m.sh [WORK_DIR]   (WHITTLE_WORKERS defaults to 1 here; OUT_JSON names the results file)
set -euo pipefail
cd "$(dirname "$0")/../.."
WORK=${1:-/tmp/whittle-carve-135m}
HOME_DIR=$WORK/home
export WHITTLE_WORKERS=${WHITTLE_WORKERS:-1}
OUT_JSON=${OUT_JSON:-bench/results/lm-carve-135m.json}
mkdir -p "$WORK"
CKPT=$WORK/smollm-135m-shape
if [ ! -f "$CKPT/config.json" ]; then
  /usr/bin/python3 scripts/hf_fixtures.py --out "$CKPT" --arch llama --layers 30 --d 576 --heads 9 --kv-heads 3 --mlp 1536 --vocab 49152 --tied --context 2048 --no-reference
fi
rm -rf "$HOME_DIR"
IMPORT_JSON=$(npx whittle model import "$CKPT" --name smollm-135m-shape --home "$HOME_DIR" --json 2>/dev/null)
RUN=$(node -e 'console.log(JSON.parse(process.argv[1]).runId)' "$IMPORT_JSON")
for d in python prose; do
  mkdir -p "$WORK/src/$d"
  node -e '
    const [dir, kind] = process.argv.slice(1); const fs = require("fs");
    let s = 1; const r = (n) => { s = (s * 1103515245 + 12345) % 2147483648; return s % n; };
    const words = ["the", "river", "ran", "past", "a", "quiet", "town", "and", "its", "old", "mill", "under", "grey", "skies"];
    for (let f = 0; f < 40; f++) {
      let t = "";
      for (let i = 0; i < 40; i++) t += kind === "python"
        ? `def f${r(50)}(x, y):\n    if x > ${r(10)}:\n        return x * y + ${r(100)}\n    return [v for v in range(y)]\n\n`
        : Array.from({ length: 12 }, () => words[r(words.length)]).join(" ") + ".\n";
      fs.writeFileSync(`${dir}/f${f}.txt`, t);
    }' "$WORK/src/$d" "$d"
  npx whittle text import "$WORK/src/$d" --home "$HOME_DIR" --val-fraction 0.1 --json >/dev/null 2>&1
done
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
START=$(date -u +%FT%TZ)
/usr/bin/time -v -o "$WORK/time.txt" npx whittle study --recipe lm-carve-135m --set "source.run=$RUN" --home "$HOME_DIR" --json --yes > "$WORK/study.json" 2> "$WORK/study.err"
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
node -e '
  const fs = require("fs"); const os = require("os");
  const [work, start, lb, la, workers, outJson] = process.argv.slice(1);
  const t = fs.readFileSync(`${work}/time.txt`, "utf8");
  const wall = t.match(/Elapsed \(wall clock\) time.*: (.*)/)[1];
  const [a, b, c] = wall.split(":").map(Number); const seconds = c === undefined ? a * 60 + b : a * 3600 + b * 60 + c;
  const rssKB = Number(t.match(/Maximum resident set size \(kbytes\): (\d+)/)[1]);
  const study = JSON.parse(fs.readFileSync(`${work}/study.json`, "utf8"));
  const out = {
    recipe: "lm-carve-135m", commit: require("child_process").execSync("git rev-parse --short HEAD").toString().trim(), when: start, machine: { cpus: os.cpus().length, model: os.cpus()[0].model, node: process.version, loadavgBefore: lb.split(" ").map(Number), loadavgAfter: la.split(" ").map(Number), note: "2 shared cores: other sessions ran at the same time" },
    workers: Number(workers), wallSeconds: seconds, wall, peakRssMiB: Math.round(rssKB / 1024), status: study.status,
    runs: study.runs, frontier: study.summary.frontier, domains: study.summary.domains,
  };
  fs.mkdirSync(require("path").dirname(outJson), { recursive: true });
  fs.writeFileSync(outJson, JSON.stringify(out, null, 2) + "\n");
  console.log(JSON.stringify({ wall, seconds, peakRssMiB: out.peakRssMiB, status: study.status }));
' "$WORK" "$START" "$LOAD_BEFORE" "$LOAD_AFTER" "$WHITTLE_WORKERS" "$OUT_JSON"
