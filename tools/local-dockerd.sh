#!/usr/bin/env bash
# A private Docker engine for the integration tests and benchmarks, entirely under one directory.
#
#   tools/local-dockerd.sh start <dir>   start dockerd (socket <dir>/docker.sock), wait until it answers
#   tools/local-dockerd.sh env <dir>     print `export DOCKER_HOST=unix://<dir>/docker.sock`
#   tools/local-dockerd.sh stop <dir>    stop it and wait until it has exited
#
# It leaves the host's networking alone: no bridge, no iptables rules, no IP forwarding, so
# containers run with `--network host` and whatever they serve is on the host's loopback.
# Its data, state and logs are in <dir>; it never touches /var/lib/docker or /var/run/docker.sock,
# and where a system containerd runs (which dockerd then shares) it keeps to its own namespaces.
# Outside <dir>, dockerd 20.10 itself still creates /etc/docker/key.json (its trust key) and
# /run/docker/plugins, whatever its flags say.
# Needs root (dockerd does). Storage: overlay2, or vfs where overlay2 cannot mount here.
set -euo pipefail

usage() {
  echo "usage: $0 start|stop|env <dir>" >&2
  exit 2
}

[ $# -eq 2 ] || usage
action=$1
mkdir -p "$2"
dir=$(cd "$2" && pwd)
sock="$dir/docker.sock"
pidfile="$dir/dockerd.pid"
log="$dir/dockerd.log"
host="unix://$sock"
START_TIMEOUT=${OCIR_DOCKERD_TIMEOUT:-60}

running() {
  [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

answers() {
  docker -H "$host" info >/dev/null 2>&1
}

# Start dockerd with one storage driver; 0 when it answers within the timeout.
try_start() {
  local driver=$1
  echo "local-dockerd: starting dockerd (storage driver $driver) under $dir" >&2
  # setsid: the engine outlives this script and is not killed with its process group.
  setsid dockerd \
    --host "$host" \
    --data-root "$dir/data" \
    --exec-root "$dir/exec" \
    --pidfile "$pidfile" \
    --storage-driver "$driver" \
    --containerd-namespace ocir-local --containerd-plugins-namespace ocir-local-plugins \
    --bridge none --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false \
    --userland-proxy=false \
    --log-level warn \
    >>"$log" 2>&1 </dev/null &
  local pid=$! waited=0
  while [ "$waited" -lt "$START_TIMEOUT" ]; do
    if answers; then
      echo "local-dockerd: ready, DOCKER_HOST=$host ($(docker -H "$host" info --format '{{.ServerVersion}} {{.Driver}}'))" >&2
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "local-dockerd: dockerd with $driver exited; last lines of $log:" >&2
      tail -n 5 "$log" >&2
      return 1
    fi
    sleep 1
    waited=$((waited + 1))
  done
  echo "local-dockerd: dockerd did not answer within ${START_TIMEOUT}s; last lines of $log:" >&2
  tail -n 5 "$log" >&2
  kill "$pid" 2>/dev/null || true
  return 1
}

# libnetwork bind-mounts the host's network namespace at <exec-root>/netns/default and leaves it
# mounted when dockerd exits: unmount whatever is still mounted under <dir>, deepest first.
unmount_leftovers() {
  local target
  awk -v prefix="$dir/" 'index($2, prefix) == 1 {print $2}' /proc/mounts | sort -r | while read -r target; do
    umount "$target" 2>/dev/null || umount -l "$target" || true
  done
}

stop() {
  if ! running; then
    rm -f "$pidfile"
    unmount_leftovers
    return 0
  fi
  local pid waited=0
  pid=$(cat "$pidfile")
  kill "$pid"
  # dockerd stops its containers first (up to their stop timeout): give it time, then force.
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$waited" -ge 30 ]; then
      echo "local-dockerd: dockerd $pid still running after 30s, killing it" >&2
      kill -9 "$pid" 2>/dev/null || true
      break
    fi
    sleep 1
    waited=$((waited + 1))
  done
  rm -f "$pidfile"
  unmount_leftovers
  echo "local-dockerd: stopped" >&2
}

case "$action" in
  start)
    if running && answers; then
      echo "local-dockerd: already running, DOCKER_HOST=$host" >&2
      exit 0
    fi
    command -v dockerd >/dev/null || { echo "local-dockerd: dockerd not found (apt-get install docker.io)" >&2; exit 1; }
    stop
    driver=${OCIR_STORAGE_DRIVER:-}
    if [ -n "$driver" ]; then
      try_start "$driver"
    else
      # A data-root left by a vfs run cannot be reused with overlay2 and the reverse: take the
      # one the directory already has.
      if [ -d "$dir/data/vfs" ] && [ ! -d "$dir/data/overlay2" ]; then
        try_start vfs
      else
        try_start overlay2 || { stop; try_start vfs; }
      fi
    fi
    ;;
  stop) stop ;;
  env) echo "export DOCKER_HOST=$host" ;;
  *) usage ;;
esac
