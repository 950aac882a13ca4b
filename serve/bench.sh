#!/usr/bin/env bash
# Load benchmark of `distillery serve` on 127.0.0.1 (io.distillery.serve.bench.ServeBenchmark):
# single-instance REST predict from a separate client process, with and without batching, against in-process
# TF Java. Writes bench/results/serve-load.{json,md}. Options: --seconds 15 --warmup 5 --concurrency 1,8,32
# Needs core, export and publish installed (mvn -q -B install -pl core,distill,prune,export,publish -DskipTests).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$HERE"
mvn -q -B -o -pl serve test-compile
mvn -q -B -o -pl serve dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile="$HERE/serve/target/bench-classpath.txt" >/dev/null
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"
exec java -Xmx2g \
  -cp "$HERE/serve/target/test-classes:$HERE/serve/target/classes:$(cat "$HERE/serve/target/bench-classpath.txt")" \
  io.distillery.serve.bench.ServeBenchmark "$@"
