#!/usr/bin/env bash
# Simulated hosts on one machine, for the multi-host tests and benchmarks
# (docs/data-parallel.md, "Several hosts"). Each host is a network namespace
# with its own host name (a UTS namespace) and a veth link "sim0" to a
# bridge in a namespace of its own; hosts talk TCP over 10.213.0.0/24, which
# exists only inside these namespaces. mpirun runs in the first host and
# starts its daemons in the others through a launch agent (this script's
# "agent" command) that enters the host's namespace instead of ssh.
#
#   simhosts.sh [--netem] --hosts K --ranks-per-host R -- PROGRAM ARGS...
#       sets up K hosts, runs `mpirun -np K*R --map-by ppr:R:node PROGRAM
#       ARGS...` in the first and always tears the hosts down; exits with
#       mpirun's status.
#   simhosts.sh up [--netem] --hosts K      prints the run directory DIR; the
#                                          hosts belong to the caller: a
#                                          later `up` removes them once it
#                                          has died
#   simhosts.sh mpirun DIR MPIRUN-ARGS...  mpirun in DIR's first host, with
#                                          --hostfile DIR/hostfile
#   simhosts.sh exec DIR I COMMAND...      COMMAND in host I (1-based)
#   simhosts.sh link DIR I up|down         sets host I's link up or down
#   simhosts.sh down DIR                   kills what runs in the hosts and
#                                          removes them
#   simhosts.sh check                      exits 0 when hosts can be made
#                                          here (lit's "simhosts" feature),
#                                          else prints why and exits 1
#
# --netem adds 100 us of latency and a 1 Gbit/s cap on every host's link
# when tc's netem is available, and says so on stderr when it is not.
# Needs root (network namespaces). Names are unique per run, so tests can
# run in parallel.
set -euo pipefail

self=$(readlink -f "$0")
subnet=10.213.0

die() {
  echo "simhosts: $*" >&2
  exit 1
}

# The namespace of host I of the run in DIR.
ns_of() { echo "$(cat "$1/id")h$2"; }

hosts_of() { cat "$1/hosts"; }

# Removes the hosts of runs whose owner died without tearing them down
# (SIGKILL, a crash), so that they do not pile up.
sweep_orphans() {
  local dir owner
  for dir in /tmp/simhosts.*; do
    [ -f "$dir/owner" ] || continue
    owner=$(cat "$dir/owner")
    kill -0 "$owner" 2>/dev/null || cmd_down "$dir" >/dev/null 2>&1 || true
  done
}

cmd_up() {
  local hosts=0 netem=0 owner=$PPID
  while [ $# -gt 0 ]; do
    case "$1" in
    --hosts) hosts=$2; shift 2 ;;
    --netem) netem=1; shift ;;
    --owner) owner=$2; shift 2 ;;
    *) die "up: unknown option '$1'" ;;
    esac
  done
  [ "$hosts" -ge 1 ] && [ "$hosts" -le 200 ] || die "up: --hosts must be 1..200, got '$hosts'"
  sweep_orphans
  local dir id
  dir=$(mktemp -d /tmp/simhosts.XXXXXX)
  # Namespace names carry a random id: parallel runs never share one.
  id="bh$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')"
  echo "$id" >"$dir/id"
  echo "$hosts" >"$dir/hosts"
  # The process whose run this is: the caller of `up`, or the wrapper.
  echo "$owner" >"$dir/owner"
  # From here on, a failure removes what was made.
  trap 'cmd_down "$dir" >/dev/null 2>&1 || true' ERR
  local br="${id}br"
  ip netns add "$br"
  ip -n "$br" link add br0 type bridge
  ip -n "$br" link set br0 up
  local etc_hosts="127.0.0.1 localhost"$'\n'
  for i in $(seq 1 "$hosts"); do
    etc_hosts+="$subnet.$i node$i"$'\n'
  done
  for i in $(seq 1 "$hosts"); do
    local ns="${id}h$i"
    ip netns add "$ns"
    mkdir -p "/etc/netns/$ns"
    printf '%s' "$etc_hosts" >"/etc/netns/$ns/hosts"
    echo "node$i" >"/etc/netns/$ns/hostname"
    ip link add sim0 netns "$ns" type veth peer name "p$i" netns "$br"
    ip -n "$br" link set "p$i" master br0 up
    ip -n "$ns" addr add "$subnet.$i/24" dev sim0
    ip -n "$ns" link set sim0 up
    ip -n "$ns" link set lo up
    if [ "$netem" = 1 ]; then
      if ! ip netns exec "$ns" tc qdisc add dev sim0 root netem delay 100us rate 1gbit 2>/dev/null; then
        [ "$i" = 1 ] && echo "simhosts: tc netem is not available here (no sch_netem); links run without added latency" >&2
        netem=0
      fi
    fi
    echo "node$i slots=64" >>"$dir/hostfile"
  done
  # The agent finds the run directory in the environment mpirun passes on.
  cat >"$dir/env" <<EOF
export SIMHOSTS_DIR=$dir
export OMPI_MCA_plm_rsh_agent=$self
export OMPI_MCA_plm_rsh_args=agent
export OMPI_MCA_btl_tcp_if_include=sim0
export OMPI_MCA_oob_tcp_if_include=sim0
export OMPI_ALLOW_RUN_AS_ROOT=1
export OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
EOF
  trap - ERR
  echo "$dir"
}

# Runs COMMAND in host I: its network namespace, its /etc/hosts, a UTS
# namespace named nodeI.
cmd_exec() {
  local dir=$1 i=$2
  shift 2
  local ns
  ns=$(ns_of "$dir" "$i")
  exec ip netns exec "$ns" unshare --uts sh -c 'hostname "$0" && exec "$@"' "node$i" "$@"
}

cmd_mpirun() {
  local dir=$1
  shift
  # shellcheck disable=SC1091
  . "$dir/env"
  cmd_exec "$dir" 1 mpirun --hostfile "$dir/hostfile" "$@"
}

# Open MPI's rsh launcher calls `AGENT agent [options] HOST COMMAND...`
# (plm_rsh_args supplies the word "agent"), COMMAND being a shell command
# line that starts the host's daemon.
cmd_agent() {
  while [ $# -gt 0 ] && [ "${1#-}" != "$1" ]; do shift; done
  [ $# -ge 2 ] || die "agent: expected HOST COMMAND..., got '$*'"
  local host=$1
  shift
  local i=${host#node}
  [ -n "${SIMHOSTS_DIR:-}" ] || die "agent: SIMHOSTS_DIR is not set"
  [ "$i" -ge 1 ] 2>/dev/null && [ "$i" -le "$(hosts_of "$SIMHOSTS_DIR")" ] ||
    die "agent: no simulated host '$host' in $SIMHOSTS_DIR"
  cmd_exec "$SIMHOSTS_DIR" "$i" /bin/sh -c "$*"
}

cmd_link() {
  local dir=$1 i=$2 state=$3
  ip -n "$(ns_of "$dir" "$i")" link set sim0 "$state"
}

cmd_down() {
  local dir=$1
  [ -f "$dir/id" ] || return 0
  local id hosts
  id=$(cat "$dir/id")
  hosts=$(cat "$dir/hosts" 2>/dev/null || echo 0)
  for i in $(seq 1 "$hosts"); do
    local ns="${id}h$i"
    # Daemons and ranks left running (a failed test) die with their host.
    if ip netns pids "$ns" >/dev/null 2>&1; then
      ip netns pids "$ns" | xargs -r kill -9 2>/dev/null || true
    fi
    ip netns del "$ns" 2>/dev/null || true
    rm -rf "/etc/netns/$ns"
  done
  ip netns del "${id}br" 2>/dev/null || true
  rm -rf "$dir"
}

cmd_check() {
  [ "$(id -u)" = 0 ] || { echo "simulated hosts need root (network namespaces)"; return 1; }
  command -v ip >/dev/null || { echo "simulated hosts need iproute2's ip"; return 1; }
  command -v unshare >/dev/null || { echo "simulated hosts need util-linux's unshare"; return 1; }
  local dir out
  if ! dir=$(cmd_up --hosts 2 --owner $$ 2>&1); then
    echo "cannot make network namespaces with veth links here: $(echo "$dir" | tail -1)"
    return 1
  fi
  # shellcheck disable=SC2064
  trap "cmd_down '$dir'" RETURN
  if ! out=$(timeout 10 "$self" exec "$dir" 2 sh -c 'hostname; getent hosts node1' 2>&1); then
    echo "simulated host 2 cannot run or resolve host 1: $out"
    return 1
  fi
  [ "$out" = "node2"$'\n'"$subnet.1      node1" ] || { echo "simulated host 2 answered '$out', expected node2 and node1's address"; return 1; }
}

cmd_wrap() {
  local hosts=0 per=0 netem=()
  while [ $# -gt 0 ]; do
    case "$1" in
    --hosts) hosts=$2; shift 2 ;;
    --ranks-per-host) per=$2; shift 2 ;;
    --netem) netem=(--netem); shift ;;
    --) shift; break ;;
    *) die "unknown option '$1' (see the top of $self)" ;;
    esac
  done
  [ "$per" -ge 1 ] 2>/dev/null || die "--ranks-per-host must be at least 1, got '$per'"
  [ $# -ge 1 ] || die "no program after --"
  local dir
  dir=$(cmd_up --hosts "$hosts" --owner $$ "${netem[@]}")
  # shellcheck disable=SC2064
  trap "cmd_down '$dir'" EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  local status=0
  ("$self" mpirun "$dir" -np $((hosts * per)) --map-by "ppr:$per:node" "$@") || status=$?
  return $status
}

case "${1:-}" in
up) shift; cmd_up "$@" ;;
mpirun) shift; cmd_mpirun "$@" ;;
exec) shift; cmd_exec "$@" ;;
agent) shift; cmd_agent "$@" ;;
link) shift; cmd_link "$@" ;;
down) shift; cmd_down "$@" ;;
check) cmd_check ;;
"") die "no command (see the top of $self)" ;;
*) cmd_wrap "$@" ;;
esac
