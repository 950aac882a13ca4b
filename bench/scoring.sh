#!/usr/bin/env bash
# Teacher scoring throughput with 1 and 2 workers on a standalone cluster of this machine.
# Writes bench/results/scoring.json and scoring.md.
#   bench/scoring.sh [rows=20000] [repeats=3]
set -euo pipefail
exec "$(dirname "${BASH_SOURCE[0]}")/cluster-bench.sh" ScoringBenchmark "$@"
