#!/usr/bin/env bash
# The scaling model: the default teacher's step time at 2 workers over links of several bandwidths, on
# hosts of this machine (cluster-conf/netns-hosts.sh; needs root), split into compute and all-reduce,
# the ring all-reduce cost fitted and checked, then projected to 4-64 workers at 10-100 Gbit/s.
# Writes bench/results/scaling.json and scaling.md; docs/scaling.md explains them.
#   bench/scaling.sh [rows=12800] [epochs=3] [rates=none,1gbit,300mbit,100mbit,30mbit]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[[ -f "$HERE/jobs/target/classpath.txt" ]] || { echo "scaling.sh: run bin/setup first (the driver is bin/distillery)" >&2; exit 1; }
exec "$HERE/bench/cluster-bench.sh" ScalingBenchmark "$@"
