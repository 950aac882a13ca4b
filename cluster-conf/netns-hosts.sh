#!/usr/bin/env bash
# Hosts on one machine: Linux network namespaces joined by a bridge, each with an address of its own,
# for running the Spark Master, the Workers (and their executors), the driver and a storage server as
# if on separate hosts, then cutting links and slowing them. Needs root (or CAP_NET_ADMIN +
# CAP_SYS_ADMIN), iproute2 and tc. Only addresses inside namespaces this script creates are used.
#
#   cluster-conf/netns-hosts.sh up [W]          a switch and hosts master, driver, storage, w1..wW; prints "host address"
#   cluster-conf/netns-hosts.sh down            kill every process in those namespaces, then delete them
#   cluster-conf/netns-hosts.sh list            the namespaces there are, with how many processes each holds
#   cluster-conf/netns-hosts.sh addr HOST       HOST's address
#   cluster-conf/netns-hosts.sh exec HOST CMD…  run CMD in HOST's namespace
#   cluster-conf/netns-hosts.sh cut A B         A and B drop each other's packets, silently (both ways)
#   cluster-conf/netns-hosts.sh heal A B        undo cut
#   cluster-conf/netns-hosts.sh isolate HOST    HOST's link goes down: cut from every other host
#   cluster-conf/netns-hosts.sh rejoin HOST     its link comes back
#   cluster-conf/netns-hosts.sh limit HOST RATE HOST's link shaped to RATE each way (tc tbf, e.g. 100mbit)
#   cluster-conf/netns-hosts.sh unlimit HOST    undo limit
#   cluster-conf/netns-hosts.sh clear           undo every cut, isolate and limit
#
# Environment: NETNS_PREFIX (dst): namespace names are <prefix>-<host>, the bridge's is <prefix>-switch;
# NETNS_SUBNET (10.213.0): the /24 the hosts get, master .2, driver .3, storage .4, worker i .(10+i).
# A cut is a blackhole route on both sides: an established connection's packets vanish with no error
# (it stalls, as behind a firewall that drops them: the case that makes distributed jobs hang), and a
# new connection is refused at once with EINVAL. No netem is needed (this kernel has none).
set -Eeuo pipefail
PREFIX="${NETNS_PREFIX:-dst}"
SUBNET="${NETNS_SUBNET:-10.213.0}"
SWITCH="$PREFIX-switch"

die() { echo "netns-hosts: $*" >&2; exit 1; }

ns() { echo "$PREFIX-$1"; }

# The link of a host is a veth pair: "eth0" inside the host, "p-<host>" on the switch.
address() {
  case "$1" in
    master) echo "$SUBNET.2" ;;
    driver) echo "$SUBNET.3" ;;
    storage) echo "$SUBNET.4" ;;
    w[1-9] | w[1-9][0-9]) echo "$SUBNET.$((10 + ${1#w}))" ;;
    *) die "unknown host '$1' (master, driver, storage, w1, w2, ...)" ;;
  esac
}

exists() { ip netns list | awk '{print $1}' | grep -qx "$1"; }

need_host() {
  address "$1" >/dev/null
  exists "$(ns "$1")" || die "host '$1' is not up (namespace $(ns "$1")); run: $0 up"
}

add_host() {
  local host="$1" name addr
  name="$(ns "$host")"
  addr="$(address "$host")"
  ip netns add "$name"
  # Made in this namespace, then moved: "peer ... netns" at creation is not supported everywhere.
  ip link add "$PREFIX-$host-a" type veth peer name "$PREFIX-$host-b"
  ip link set "$PREFIX-$host-a" netns "$name"
  ip link set "$PREFIX-$host-b" netns "$SWITCH"
  ip -n "$name" link set "$PREFIX-$host-a" name eth0
  ip -n "$SWITCH" link set dev "$PREFIX-$host-b" name "p-$host"
  ip -n "$name" addr add "$addr/24" dev eth0
  ip -n "$name" link set lo up
  ip -n "$name" link set eth0 up
  ip -n "$SWITCH" link set dev "p-$host" master br0
  ip -n "$SWITCH" link set dev "p-$host" up
  echo "$host $addr"
}

up() {
  local workers="${1:-2}" i
  [[ "$workers" =~ ^[1-9][0-9]?$ ]] || die "up expects 1 to 99 workers, found '$workers'"
  command -v ip >/dev/null || die "needs iproute2 (apt-get install iproute2)"
  exists "$SWITCH" && die "already up (namespace $SWITCH); run: $0 down"
  ip netns add "$SWITCH" || die "cannot create network namespaces (needs root or CAP_SYS_ADMIN)"
  trap 'down >/dev/null 2>&1' ERR
  ip -n "$SWITCH" link add br0 type bridge
  ip -n "$SWITCH" link set br0 up
  add_host master
  add_host driver
  add_host storage
  for ((i = 1; i <= workers; i++)); do add_host "w$i"; done
  trap - ERR
}

mine() { ip netns list | awk '{print $1}' | grep -E "^$PREFIX-(switch|master|driver|storage|w[0-9]+)$" || true; }

down() {
  local name pids round
  for round in TERM KILL; do
    for name in $(mine); do
      pids="$(ip netns pids "$name" 2>/dev/null || true)"
      [[ -z "$pids" ]] || kill "-$round" $pids 2>/dev/null || true
    done
    [[ "$round" == KILL ]] || sleep 2
  done
  for name in $(mine); do
    for round in 1 2 3 4 5 6 7 8 9 10; do
      [[ -z "$(ip netns pids "$name" 2>/dev/null || true)" ]] && break
      sleep 0.5
    done
    ip netns del "$name" || die "cannot delete namespace $name"
  done
}

list() {
  local name
  for name in $(mine); do
    echo "$name $(ip netns pids "$name" 2>/dev/null | wc -l)"
  done
}

cut() {
  need_host "$1"; need_host "$2"
  ip -n "$(ns "$1")" route replace blackhole "$(address "$2")/32"
  ip -n "$(ns "$2")" route replace blackhole "$(address "$1")/32"
}

heal() {
  need_host "$1"; need_host "$2"
  ip -n "$(ns "$1")" route del blackhole "$(address "$2")/32" 2>/dev/null || true
  ip -n "$(ns "$2")" route del blackhole "$(address "$1")/32" 2>/dev/null || true
}

limit() {
  need_host "$1"
  [[ "${2:-}" =~ ^[0-9]+(kbit|mbit|gbit)$ ]] || die "limit expects a rate like 100mbit, found '${2:-}'"
  # Burst: at least one 10 ms worth of the rate, and never under a jumbo frame's worth.
  local burst
  burst="$(awk -v r="$2" 'BEGIN { n = r + 0; u = r; sub(/[0-9]+/, "", u);
    m = (u == "kbit") ? 1e3 : (u == "mbit") ? 1e6 : 1e9; b = n * m / 8 / 100; if (b < 65536) b = 65536; printf "%d", b }')"
  ip netns exec "$(ns "$1")" tc qdisc replace dev eth0 root tbf rate "$2" burst "$burst" latency 100ms
  ip netns exec "$SWITCH" tc qdisc replace dev "p-$1" root tbf rate "$2" burst "$burst" latency 100ms
}

unlimit() {
  need_host "$1"
  ip netns exec "$(ns "$1")" tc qdisc del dev eth0 root 2>/dev/null || true
  ip netns exec "$SWITCH" tc qdisc del dev "p-$1" root 2>/dev/null || true
}

clear_all() {
  local name host
  for name in $(mine); do
    host="${name#"$PREFIX"-}"
    [[ "$host" == switch ]] && continue
    ip -n "$name" route flush type blackhole 2>/dev/null || true
    ip netns exec "$name" tc qdisc del dev eth0 root 2>/dev/null || true
    ip netns exec "$SWITCH" tc qdisc del dev "p-$host" root 2>/dev/null || true
    ip -n "$SWITCH" link set dev "p-$host" up
  done
}

case "${1:-}" in
  up) up "${2:-2}" ;;
  down) down ;;
  list) list ;;
  addr) address "${2:?host}" ;;
  exec) need_host "${2:?host}"; h="$2"; shift 2; exec ip netns exec "$(ns "$h")" "$@" ;;
  cut) cut "${2:?host A}" "${3:?host B}" ;;
  heal) heal "${2:?host A}" "${3:?host B}" ;;
  isolate) need_host "${2:?host}"; ip -n "$SWITCH" link set dev "p-$2" down ;;
  rejoin) need_host "${2:?host}"; ip -n "$SWITCH" link set dev "p-$2" up ;;
  limit) limit "${2:?host}" "${3:-}" ;;
  unlimit) unlimit "${2:?host}" ;;
  clear) clear_all ;;
  *) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
