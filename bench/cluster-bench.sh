#!/usr/bin/env bash
# Runs a benchmark that is a main class in jobs' test sources, with the test classpath:
# bench/data-parallel.sh, bench/scoring.sh (standalone clusters) and bench/compression.sh call it.
#   bench/cluster-bench.sh <class in io.distillery.jobs.bench> [args...]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$HERE"
CLASS="$1"; shift
mvn -q -B -o install -DskipTests -pl core,distill,prune,stage,export,search,publish >/dev/null
mvn -q -B -o -pl jobs test-compile >/dev/null
mvn -q -B -o -pl jobs dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile="$HERE/jobs/target/bench-classpath.txt" >/dev/null
CP="$HERE/jobs/target/test-classes:$HERE/jobs/target/classes:$(cat "$HERE/jobs/target/bench-classpath.txt")"
OPENS=(--add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
       --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED
       --add-opens=java.base/java.lang.invoke=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
       --add-opens=java.base/sun.security.action=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED)
export TF_CPP_MIN_LOG_LEVEL=2 SPARK_LOCAL_IP=127.0.0.1 SPARK_SCALA_VERSION=2.13
exec java "${OPENS[@]}" -Xmx3g -Ddistillery.root="$HERE" \
  -Dlog4j2.configurationFile="$HERE/cluster-conf/log4j2-console.properties" \
  -cp "$CP" "io.distillery.jobs.bench.$CLASS" "$@"
