#!/usr/bin/env bash
# A pg_auto_failover formation for FailoverIT: a monitor and two PostgreSQL 15 nodes with synchronous
# replication, listening on 127.0.0.1 only, trust authentication, everything under one directory.
# PostgreSQL refuses to run as root, so as root every pg_autoctl runs as the OS user postgres.
#
#   cluster.sh up DIR MONITOR_PORT NODE1_PORT NODE2_PORT   node1 primary, node2 its synchronous standby
#   cluster.sh crash DIR NODE   kill -9 the node's keeper and postmaster, as if its machine were lost
#   cluster.sh start DIR NODE   run a stopped node's keeper again; it rejoins as the monitor says
#   cluster.sh down DIR         stop everything started under DIR, and kill -9 what does not stop
#
# Only processes this script started are signalled: each keeper runs in a process group of its own,
# whose id is kept in DIR/NODE.pgid, and each postmaster's pid is read from its own postmaster.pid.
set -euo pipefail

BIN=/usr/lib/postgresql/15/bin
command=$1
dir=$(realpath -m "$2")
# pg_autoctl keeps its configuration and state under the XDG directories: here, not in ~postgres.
environment=(XDG_CONFIG_HOME="$dir/xdg/config" XDG_DATA_HOME="$dir/xdg/data" XDG_RUNTIME_DIR="$dir/xdg/run"
  PATH="$BIN:/usr/bin:/bin" PGCONNECT_TIMEOUT=5)

as_postgres() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- env "${environment[@]}" "$@"
  else
    env "${environment[@]}" "$@"
  fi
}

# Starts a keeper (pg_autoctl create ... --run, or pg_autoctl run) in the background, in a new process group.
launch() {
  local node=$1
  shift
  setsid bash -c "$(declare -f as_postgres); $(declare -p environment); as_postgres \"\$@\"" launch "$@" \
    >>"$dir/$node.log" 2>&1 </dev/null &
  echo $! >"$dir/$node.pgid"
}

monitor_sql() {
  psql -X -h 127.0.0.1 -p "$(cat "$dir/monitor.port")" -U autoctl_node -d pg_auto_failover -Atc "$1" 2>/dev/null || true
}

node_sql() {
  psql -X -h 127.0.0.1 -p "$(cat "$dir/$1.port")" -U postgres -d totpd -Atc "$2" 2>/dev/null || true
}

states() {
  monitor_sql "SELECT string_agg(nodename || '=' || reportedstate, ',' ORDER BY nodeid) FROM pgautofailover.node"
}

await_states() {
  local wanted=$1 seconds=$2 while_waiting=${3:-true}
  for _ in $(seq 1 $((seconds * 2))); do
    [ "$(states)" = "$wanted" ] && return 0
    $while_waiting
    sleep 0.5
  done
  echo "cluster.sh: the formation did not reach $wanted within $seconds s; it is $(states)" >&2
  return 1
}

# pg_basebackup (how the standby is made) waits for a spread checkpoint, over a minute on an idle
# primary; a CHECKPOINT on the primary meanwhile makes it finish at once.
hurry_checkpoint() {
  node_sql node1 "CHECKPOINT" >/dev/null
}

alive() {
  kill -0 "$1" 2>/dev/null
}

# Whether the node's keeper group still runs, and is still the one started here (a process group id
# left by a run long gone may have been reused).
keeper_running() {
  local pid
  [ -f "$dir/$1.pgid" ] || return 1
  for pid in $(pgrep -g "$(cat "$dir/$1.pgid")" 2>/dev/null); do
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$dir/" && return 0
  done
  return 1
}

kill_node() {
  local node=$1 postmaster
  if keeper_running "$node"; then
    kill -9 -- "-$(cat "$dir/$node.pgid")" 2>/dev/null || true
  fi
  rm -f "$dir/$node.pgid"
  if [ -f "$dir/$node/postmaster.pid" ]; then
    postmaster=$(head -1 "$dir/$node/postmaster.pid")
    # Only the postmaster of this data directory, not a process that took over its pid.
    if alive "$postmaster" && tr '\0' ' ' <"/proc/$postmaster/cmdline" | grep -qF -- "-D $dir/$node"; then
      kill -9 "$postmaster"
    fi
  fi
}

stop_all() {
  local node
  for node in node2 node1 monitor; do
    if keeper_running "$node"; then
      as_postgres pg_autoctl stop --pgdata "$dir/$node" --fast >/dev/null 2>&1 || true
    fi
  done
  for node in node2 node1 monitor; do
    for _ in $(seq 1 40); do
      keeper_running "$node" || break
      sleep 0.5
    done
    kill_node "$node"
  done
}

case $command in
up)
  # What a run that was itself killed may have left running.
  if [ -d "$dir" ]; then stop_all; fi
  rm -rf "$dir"
  mkdir -p "$dir/xdg/config" "$dir/xdg/data" "$dir/xdg/run"
  echo "$3" >"$dir/monitor.port"
  echo "$4" >"$dir/node1.port"
  echo "$5" >"$dir/node2.port"
  [ "$(id -u)" = 0 ] && chown -R postgres: "$dir"
  chmod 700 "$dir/xdg/run"
  as_postgres pg_autoctl create monitor --pgdata "$dir/monitor" --pgport "$3" --hostname 127.0.0.1 \
    --auth trust --no-ssl --pgctl "$BIN/pg_ctl" >>"$dir/monitor.log" 2>&1
  as_postgres pg_autoctl config set --pgdata "$dir/monitor" postgresql.listen_addresses 127.0.0.1 >/dev/null
  launch monitor pg_autoctl run --pgdata "$dir/monitor"
  for _ in $(seq 1 120); do
    pg_isready -q -h 127.0.0.1 -p "$3" && break
    sleep 0.5
  done
  # A failover within seconds, not the default half minute or more, so that the test's timeline fits in
  # a TOTP window: a node is unhealthy after 5 s without contact (default 20 s), and the standby opens
  # for writes 10 s after its promotion started if the old primary never confirms its demotion (30 s).
  psql -X -q -h 127.0.0.1 -p "$3" -U postgres -d pg_auto_failover \
    -c "ALTER SYSTEM SET pgautofailover.health_check_period = 1000" \
    -c "ALTER SYSTEM SET pgautofailover.health_check_timeout = 1000" \
    -c "ALTER SYSTEM SET pgautofailover.health_check_max_retries = 1" \
    -c "ALTER SYSTEM SET pgautofailover.health_check_retry_delay = 500" \
    -c "ALTER SYSTEM SET pgautofailover.node_considered_unhealthy_timeout = 5000" \
    -c "ALTER SYSTEM SET pgautofailover.primary_demote_timeout = 10000" \
    -c "SELECT pg_reload_conf()" >/dev/null
  monitor="postgres://autoctl_node@127.0.0.1:$3/pg_auto_failover?sslmode=disable"
  for node in node1 node2; do
    launch "$node" pg_autoctl create postgres --pgdata "$dir/$node" --pgport "$(cat "$dir/$node.port")" \
      --hostname 127.0.0.1 --listen 127.0.0.1 --name "$node" --dbname totpd --auth trust --no-ssl \
      --monitor "$monitor" --pgctl "$BIN/pg_ctl"  --run
    if [ "$node" = node1 ]; then
      await_states node1=single 180
    fi
  done
  await_states node1=primary,node2=secondary 300 hurry_checkpoint
  ;;
crash)
  kill_node "$3"
  ;;
start)
  launch "$3" pg_autoctl run --pgdata "$dir/$3"
  ;;
down)
  if [ -d "$dir" ]; then stop_all; fi
  ;;
*)
  echo "usage: cluster.sh up DIR MONITOR_PORT NODE1_PORT NODE2_PORT | crash DIR NODE | start DIR NODE | down DIR" >&2
  exit 2
  ;;
esac
