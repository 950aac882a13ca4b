#!/usr/bin/env bash
# Latency of every model the default pipeline makes, measured interleaved in one JVM: two runs of the
# built-in job, A with the default (unstructured) pruning and B with structured pruning of half the
# units (B brings A's teacher as a SavedModel instead of training its own), then CompressionBenchmark
# over both run directories. Writes bench/results/compression.json and compression.md.
#   bench/compression.sh [calls=2000] [threads=1] [--set key=value ...]    (settings for both runs)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$HERE"
CALLS=2000
THREADS=1
if [[ $# -gt 0 && "$1" =~ ^[0-9]+$ ]]; then CALLS="$1"; shift; fi
if [[ $# -gt 0 && "$1" =~ ^[0-9]+$ ]]; then THREADS="$1"; shift; fi
OUT="${DISTILLERY_BENCH_DIR:-$(mktemp -d)}"
mkdir -p "$OUT"
COMMON=(--set run_dir="$OUT/runs" --set publish.base_path="$OUT/models" "$@")
echo "run A (unstructured): $OUT/unstructured.log"
failed() { echo "run $1 failed (exit $2), its last lines:"; tail -3 "$OUT/$1.log"; exit "$2"; }
bin/distillery pipeline --run-id unstructured "${COMMON[@]}" >"$OUT/unstructured.log" 2>&1 || failed unstructured $?
echo "run B (structured): $OUT/structured.log"
bin/distillery pipeline --run-id structured "${COMMON[@]}" --set prune.kind=structured \
  --set prune.final_sparsity=0.5 --set teacher.saved_model.uris="$OUT/runs/unstructured/teacher/savedmodel" \
  >"$OUT/structured.log" 2>&1 || failed structured $?
export DISTILLERY_BENCH_SETTINGS="$*"   # recorded in the results with the command
exec "$HERE/bench/cluster-bench.sh" CompressionBenchmark "$OUT/runs/unstructured" "$OUT/runs/structured" \
  "$CALLS" "$THREADS"
