#!/usr/bin/env bash
# Network partitions on hosts of this machine (cluster-conf/netns-hosts.sh: the Master, two Workers,
# the driver and an S3 server each in a network namespace with its own address; needs root): a clean
# two-worker teacher, then each case RUNS times (default 5): the workers cut from each other (peer-cut),
# a worker cut from the driver (driver-cut), a worker cut from everything for 20 s (isolated-20s), a
# worker on a 100 Mbit/s link (slow-link, a straggler) and the storage cut off from the driver in the
# middle of a publish (storage-cut). Writes bench/results/partitions.json and partitions.md.
#   bench/partitions.sh [runs=5] [cases=peer-cut,driver-cut,isolated-20s,slow-link,storage-cut]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$HERE"
RUNS="${1:-5}"
CASES="${2:-peer-cut,driver-cut,isolated-20s,slow-link,storage-cut}"
mvn -q -B -o install -DskipTests -pl core,distill,prune,stage,export,search,publish,serve >/dev/null
exec mvn -B -o test -pl jobs -Dtest=PartitionTest -Dsurefire.failIfNoSpecifiedTests=false -DskipITs \
  -Dpartitions.write=true -Dpartitions.runs="$RUNS" -Dpartitions.cases="$CASES"
