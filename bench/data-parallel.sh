#!/usr/bin/env bash
# Data-parallel throughput: N=1 and N=2 on a standalone cluster of this machine (Master + 2 Workers,
# cluster-conf/standalone-cluster.sh), against a plain in-process TF Java loop; executor peak RSS.
# Writes bench/results/data-parallel.json and data-parallel.md.
#   bench/data-parallel.sh [rows=12800] [epochs=3]
exec "$(dirname "${BASH_SOURCE[0]}")/cluster-bench.sh" DataParallelBenchmark "$@"
