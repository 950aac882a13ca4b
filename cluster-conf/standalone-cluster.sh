#!/usr/bin/env bash
# A Spark standalone cluster on this machine, on 127.0.0.1, from Distillery's own jars: a Master and
# W Workers, each its own JVM, whose executors are separate JVMs too. No Spark download: SPARK_HOME is
# a directory whose jars/ holds links to the project's runtime classpath.
#
#   cluster-conf/standalone-cluster.sh start [W]   start a Master and W Workers (default 2); prints the master URL
#   cluster-conf/standalone-cluster.sh stop        stop the Workers (and their executors) and the Master
#   cluster-conf/standalone-cluster.sh status      which of them run
#
# Then, e.g.:  bin/distillery pipeline --workers 2 --set spark.master=spark://127.0.0.1:7077
#
# Environment (all optional):
#   DISTILLERY_SPARK_HOME   the cluster's SPARK_HOME, built here (default: <repo>/jobs/target/spark-home)
#   DISTILLERY_CLASSPATH    colon-separated classpath of the jobs module; jars are linked into jars/,
#                           directories are printed for spark.executor.extraClassPath
#                           (default: resolved with `mvn dependency:build-classpath`, plus the jobs jar;
#                           run `mvn -o install -DskipTests` first)
#   MASTER_PORT (7077), MASTER_UI_PORT (8080), WORKER_CORES (1), WORKER_MEMORY (2g)
#   WORKER_CPUS             CPU lists, one per worker, e.g. "0 1": worker i and its executors run on the
#                           i-th only (taskset), as on a host of their own; unset: every CPU for all
#   NETNS_PREFIX            run on the hosts of cluster-conf/netns-hosts.sh (made first with its `up`):
#                           the Master in <prefix>-master, worker i in <prefix>-w<i>, each bound to its
#                           host's address; unset: every process on 127.0.0.1
#   WORKER_OPTS             extra Worker settings, e.g. GPUs:
#                           "-Dspark.worker.resource.gpu.amount=1
#                            -Dspark.worker.resource.gpu.discoveryScript=<repo>/cluster-conf/gpu-discovery.sh"
#
# $SPARK_HOME/conf/spark-defaults.conf comes from cluster-conf/standalone/dev-cluster.conf.in (one-core
# executors, 1 GiB heap); a production standalone cluster uses cluster-conf/standalone/spark-defaults.conf.
# The TensorFlow native jar (160 MB) is linked into jars/ on each machine, never shipped with
# spark.jars. Each executor JVM loads TensorFlow once (~400 MB resident) from ~/.javacpp/cache.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SH="${DISTILLERY_SPARK_HOME:-$HERE/jobs/target/spark-home}"
MASTER_PORT="${MASTER_PORT:-7077}"
MASTER_UI_PORT="${MASTER_UI_PORT:-8080}"
WORKER_CORES="${WORKER_CORES:-1}"
WORKER_MEMORY="${WORKER_MEMORY:-2g}"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"

export SPARK_HOME="$SH"
export SPARK_SCALA_VERSION=2.13
export SPARK_LOCAL_IP=127.0.0.1
export SPARK_LOCAL_HOSTNAME=127.0.0.1
NETNS="$HERE/cluster-conf/netns-hosts.sh"
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"

die() { echo "standalone-cluster: $*" >&2; exit 1; }

# host_of <master|wN>: the address a daemon binds to; on_host <master|wN> CMD...: CMD run there.
host_of() {
  if [[ -n "${NETNS_PREFIX:-}" ]]; then "$NETNS" addr "$1"; else echo 127.0.0.1; fi
}
on_host() {
  local host="$1" addr
  shift
  addr="$(host_of "$host")"
  if [[ -n "${NETNS_PREFIX:-}" ]]; then
    SPARK_LOCAL_IP="$addr" SPARK_LOCAL_HOSTNAME="$addr" exec "$NETNS" exec "$host" "$@"
  else
    exec "$@"
  fi
}

classpath() {
  if [[ -n "${DISTILLERY_CLASSPATH:-}" ]]; then
    echo "$DISTILLERY_CLASSPATH"
    return
  fi
  local jar
  jar=$(ls "$HERE"/jobs/target/distillery-jobs-*.jar 2>/dev/null | grep -v -- '-app' | head -1 || true)
  [[ -n "$jar" ]] || die "no jobs jar in $HERE/jobs/target; run 'mvn -o install -DskipTests' (or bin/setup) first"
  local tmp="$SH/classpath"
  mkdir -p "$SH"
  # compile scope brings Spark (provided); runtime scope what only runs (e.g. netty-transport).
  (cd "$HERE" && mvn -q -o -B -pl jobs dependency:build-classpath -Dmdep.includeScope=compile \
      -Dmdep.outputFile="$tmp.compile" >/dev/null \
    && mvn -q -o -B -pl jobs dependency:build-classpath -Dmdep.includeScope=runtime \
      -Dmdep.outputFile="$tmp.runtime" >/dev/null) || die "cannot resolve the classpath with mvn"
  echo "$jar:$(cat "$tmp.compile"):$(cat "$tmp.runtime")"
}

build_home() {
  mkdir -p "$SH/jars" "$SH/bin" "$SH/conf" "$SH/logs" "$SH/run" "$SH/work"
  find "$SH/jars" -maxdepth 1 -type l -delete
  local dirs=() entry n=0 seen=" "
  IFS=: read -r -a entries <<< "$(classpath)"
  for entry in "${entries[@]}"; do
    [[ -z "$entry" || "$seen" == *" $entry "* ]] && continue
    seen+="$entry "
    if [[ -d "$entry" ]]; then
      dirs+=("$entry")
    elif [[ -f "$entry" && "$entry" == *.jar ]]; then
      # Numbered: two artifacts may share a file name.
      n=$((n + 1))
      ln -sf "$entry" "$SH/jars/$(printf '%03d' "$n")-$(basename "$entry")"
    fi
  done
  (IFS=:; echo "${dirs[*]:-}") > "$SH/conf/extra-classpath"
  # SparkLauncher and users expect bin/spark-submit; ours runs SparkSubmit from jars/.
  cat > "$SH/bin/spark-submit" <<SHIM
#!/usr/bin/env bash
export SPARK_HOME="$SH" SPARK_SCALA_VERSION=2.13 SPARK_LOCAL_IP=\${SPARK_LOCAL_IP:-127.0.0.1}
exec "$JAVA" -cp "$SH/conf:$SH/jars/*" org.apache.spark.deploy.SparkSubmit "\$@"
SHIM
  chmod +x "$SH/bin/spark-submit"
  sed "s#@MASTER_PORT@#$MASTER_PORT#g; s#@EXTRA_CLASSPATH@#$(cat "$SH/conf/extra-classpath")#g" \
    "$HERE/cluster-conf/standalone/dev-cluster.conf.in" > "$SH/conf/spark-defaults.conf"
  # Console logging (daemons and executors write to their own log files), plus what the daemons say about registrations and executors.
  { cat "$HERE/cluster-conf/log4j2-console.properties"
    echo "logger.deploy.name = org.apache.spark.deploy"
    echo "logger.deploy.level = info"
  } > "$SH/conf/log4j2.properties"
}

alive() { [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

wait_for() { # file pattern seconds
  local i
  for ((i = 0; i < $3 * 4; i++)); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.25
  done
  return 1
}

start() {
  local workers="${1:-2}"
  [[ "$workers" =~ ^[1-9][0-9]*$ ]] || die "start expects a number of workers >= 1, found '$workers'"
  alive "$SH/run/master.pid" && die "a master already runs (pid $(cat "$SH/run/master.pid")); stop it first"
  build_home
  rm -f "$SH"/run/*.pid
  local cp="$SH/conf:$SH/jars/*" master
  master="$(host_of master)"
  [[ -z "${NETNS_PREFIX:-}" ]] || [[ " $("$NETNS" list | cut -d' ' -f1 | tr '\n' ' ') " == *" $NETNS_PREFIX-w$workers "* ]] \
    || die "NETNS_PREFIX=$NETNS_PREFIX but no host w$workers; run: cluster-conf/netns-hosts.sh up $workers"
  (on_host master nohup "$JAVA" -Xmx512m -cp "$cp" -Dlog4j2.configurationFile="$SH/conf/log4j2.properties" \
    -Dspark.master.rest.enabled=false \
    org.apache.spark.deploy.master.Master --host "$master" --port "$MASTER_PORT" --webui-port "$MASTER_UI_PORT") \
    > "$SH/logs/master.log" 2>&1 < /dev/null &
  echo $! > "$SH/run/master.pid"
  wait_for "$SH/logs/master.log" "I have been elected leader\|Starting Spark master" 60 \
    || { cat "$SH/logs/master.log" >&2; die "the master did not start (log: $SH/logs/master.log)"; }
  local i pin cpus=()
  read -r -a cpus <<< "${WORKER_CPUS:-}"
  ((${#cpus[@]} == 0 || ${#cpus[@]} >= workers)) \
    || die "WORKER_CPUS names ${#cpus[@]} CPU lists for $workers workers"
  for ((i = 1; i <= workers; i++)); do
    mkdir -p "$SH/work/worker-$i"
    pin=()
    ((${#cpus[@]} == 0)) || pin=(taskset -c "${cpus[$((i - 1))]}")
    # shellcheck disable=SC2086
    (on_host "w$i" nohup "${pin[@]}" "$JAVA" -Xmx512m -cp "$cp" -Dlog4j2.configurationFile="$SH/conf/log4j2.properties" ${WORKER_OPTS:-} \
      org.apache.spark.deploy.worker.Worker --host "$(host_of "w$i")" --cores "$WORKER_CORES" --memory "$WORKER_MEMORY" \
      --work-dir "$SH/work/worker-$i" --webui-port 0 "spark://$master:$MASTER_PORT") \
      > "$SH/logs/worker-$i.log" 2>&1 < /dev/null &
    echo $! > "$SH/run/worker-$i.pid"
  done
  for ((i = 1; i <= workers; i++)); do
    wait_for "$SH/logs/worker-$i.log" "Successfully registered with master" 60 \
      || { tail -20 "$SH/logs/worker-$i.log" >&2; die "worker $i did not register (log: $SH/logs/worker-$i.log)"; }
  done
  echo "spark://$master:$MASTER_PORT"
}

stop() {
  local f pid i
  for f in "$SH"/run/worker-*.pid "$SH"/run/master.pid; do
    [[ -f "$f" ]] || continue
    pid=$(cat "$f")
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true   # SIGTERM: a Worker kills its executors on the way out
      i=0
      while ((i < 40)) && kill -0 "$pid" 2>/dev/null; do sleep 0.25; i=$((i + 1)); done
      kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$f"
  done
}

status() {
  local f any=0
  for f in "$SH"/run/master.pid "$SH"/run/worker-*.pid; do
    [[ -f "$f" ]] || continue
    any=1
    if alive "$f"; then echo "$(basename "$f" .pid): running (pid $(cat "$f"))"; else echo "$(basename "$f" .pid): dead"; fi
  done
  ((any)) || echo "not started (SPARK_HOME $SH)"
}

case "${1:-}" in
  start) start "${2:-2}" ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start [WORKERS] | stop | status" >&2; exit 2 ;;
esac
