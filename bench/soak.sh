#!/usr/bin/env bash
# Soak of the data-parallel path: the default pipeline with --workers 2 on a standalone cluster of
# this machine (Master + 2 Workers, each executor its own JVM), over 20,000 data-parallel steps.
# Every executor's native threads and resident memory are sampled every few seconds; the table per
# stage and epoch goes to bench/results/soak.md, everything to bench/results/soak.json.
#   bench/soak.sh [extra --set options...]     e.g. bench/soak.sh --set prune.epochs=30
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$HERE"
RUN_ID="soak-$(date -u +%Y%m%dT%H%M%S)"
WORK="${SOAK_DIR:-$HERE/bench/target/soak}"
INTERVAL="${SOAK_INTERVAL:-5}"
mkdir -p "$WORK"
SAMPLES="$WORK/$RUN_ID.samples.tsv"
LOG="$WORK/$RUN_ID.log"

mvn -q -B -o install -DskipTests >/dev/null
cluster-conf/standalone-cluster.sh stop >/dev/null 2>&1 || true
cluster-conf/standalone-cluster.sh start 2
trap 'cluster-conf/standalone-cluster.sh stop >/dev/null 2>&1 || true' EXIT

# The default job (8 + 30 + 30 teacher/student epochs) is 19,505 steps per worker at 2 workers;
# 18 pruning epochs instead of 15 take it past 20,000.
ARGS=(pipeline --workers 2 --run-id "$RUN_ID" --set spark.master=spark://127.0.0.1:7077
      --set run_dir="$WORK/runs" --set publish.base_path="$WORK/models" --set prune.epochs=18 "$@")
echo "soak: bin/distillery ${ARGS[*]}"
bin/distillery "${ARGS[@]}" >"$LOG" 2>&1 &
JOB=$!

printf 'time\tpid\tthreads\trss_kib\tstage\tepoch\tstep\n' >"$SAMPLES"
STAGES=(teacher student-scratch student pruned)
while kill -0 "$JOB" 2>/dev/null; do
  stage=-; epoch=-; step=-
  for s in "${STAGES[@]}"; do
    p="$WORK/runs/$RUN_ID/$s/progress.json"
    if [[ -f "$p" ]]; then
      stage=$s
      epoch=$(sed -E 's/.*"epoch":([0-9]+).*/\1/' "$p")
      step=$(sed -E 's/.*"step":([0-9]+).*/\1/' "$p")
    fi
  done
  for pid in $(pgrep -f CoarseGrainedExecutorBackend || true); do
    threads=$(ls "/proc/$pid/task" 2>/dev/null | wc -l)
    rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date +%s)" "$pid" "$threads" "${rss:-0}" "$stage" "$epoch" "$step" >>"$SAMPLES"
  done
  sleep "$INTERVAL"
done
set +e
wait "$JOB"
CODE=$?
set -e
tail -5 "$LOG"
python3 bench/soak_report.py "$SAMPLES" "$WORK/runs/$RUN_ID" "$CODE" "bin/distillery ${ARGS[*]}" bench/results/soak
exit "$CODE"
