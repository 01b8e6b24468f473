#!/usr/bin/env bash
# `whittle reproduce --scale cpu` timed end to end from an empty data folder (issue 22): imports
# Fashion-MNIST and the two text domains, runs every result's studies, writes the report into
# docs/reproduce/cpu/ and the timing (wall time, load average before/after, machine) into
# docs/reproduce/cpu/timing.json.
# Usage: bench/reproduce/run-cpu.sh [WORK_DIR] [extra reproduce flags…]
set -euo pipefail
cd "$(dirname "$0")/../.."
WORK=${1:-/tmp/whittle-reproduce-cpu}
shift || true
OUT=${OUT:-docs/reproduce/cpu}
TIMING=${TIMING:-timing.json}   # KEEP_HOME=1 TIMING=timing-rerun.json: a rerun over the same data folder
HOME_DIR=$WORK/home
mkdir -p "$WORK"
[ "${KEEP_HOME:-0}" = 1 ] || rm -rf "$HOME_DIR"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
START=$(date -u +%FT%TZ)
T0=$(date +%s)
set +e
node bin/whittle.mjs reproduce --scale cpu --out "$OUT" --home "$HOME_DIR" "$@" > "$WORK/reproduce.log" 2> "$WORK/reproduce.err"
CODE=$?
set -e
T1=$(date +%s)
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
node -e '
  const [out, start, secs, code, before, after, timing, kept] = process.argv.slice(1); const os = require("os");
  const t = { command: "whittle reproduce --scale cpu", start, dataFolder: kept === "1" ? "kept from the previous run (finished studies reused)" : "empty at the start", wallSeconds: Number(secs), exitCode: Number(code),
    loadAverageBefore: before.split(" ").map(Number), loadAverageAfter: after.split(" ").map(Number),
    cpus: os.cpus().length, cpuModel: os.cpus()[0].model.trim(), node: process.versions.node,
    note: "2 cores shared with other sessions while it ran: the load average says how busy the machine was" };
  require("fs").writeFileSync(`${out}/${timing}`, JSON.stringify(t, null, 2) + "\n");
  console.log(JSON.stringify(t));' "$OUT" "$START" "$((T1 - T0))" "$CODE" "$LOAD_BEFORE" "$LOAD_AFTER" "$TIMING" "${KEEP_HOME:-0}"
exit $CODE
