#!/usr/bin/env bash
# Cluster faults on a standalone cluster of this machine (Master + 2 Workers, separate JVMs): a clean
# pipeline run, then runs that each SIGKILL a worker at a random step of the teacher, distillation or
# pruning stage (KILLS of them, default 10), a stalled (SIGSTOPped) worker and too few slots.
# Writes bench/results/faults-cluster.json and faults-cluster.md.
#   bench/kill-recovery.sh [kills=10] [seed]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$HERE"
KILLS="${1:-10}"
SEED_ARG=()
if [ -n "${2:-}" ]; then SEED_ARG=(-Dfaults.seed="$2"); fi
mvn -q -B -o install -DskipTests -pl core,distill,prune,stage,export,search,publish,serve >/dev/null
exec mvn -B -o test -pl jobs -Dtest=ClusterFaultTest -Dsurefire.failIfNoSpecifiedTests=false -DskipITs \
  -Dfaults.write=true -Dfaults.kills="$KILLS" "${SEED_ARG[@]}"
