#!/usr/bin/env bash
# The compression search on a standalone cluster of this machine (Master + 2 one-core Workers): the
# default 24-trial grid with 1 and 2 workers (parallel efficiency), successive halving against the grid
# (best model, share of trial-epochs), and the grid's trials chosen within 1 point of the teacher and a
# latency budget, published. Writes bench/results/search.json and search.md.
#   bench/search.sh [epochs=6] [rows=0 (all)] [efficiency [rounds=1]: the 1- and 2-worker grids only,
#   alternated rounds times]
exec "$(dirname "${BASH_SOURCE[0]}")/cluster-bench.sh" SearchBenchmark "$@"
