#!/usr/bin/env bash
# A long compression search on a standalone cluster of this machine (Master + 2 one-core Workers,
# pinned): TRIALS one-epoch trials drawn at random from a wide space, the executors' native threads and
# resident memory sampled every 10 finished trials. Writes bench/results/search-soak.{md,json}.
#   bench/search-soak.sh [trials=200] [rows=3000]
exec "$(dirname "${BASH_SOURCE[0]}")/cluster-bench.sh" SearchSoakBenchmark "$@"
