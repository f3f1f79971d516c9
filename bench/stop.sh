#!/usr/bin/env bash
# Stop latency, berth vs podman, in one run: N running busybox containers of each kind are stopped one by one
# and each stop is timed. Kinds: "term" exits on SIGTERM at once; "sleep" is `sleep 1000` as PID 1, which
# the kernel shields from SIGTERM, so the stop waits for its timeout (-t STOP_TIMEOUT) and then SIGKILLs.
# "term" is also stopped 8 at a time, as LoadIT's 8 workers do. Each case is measured idle and with
# background load (LOAD_CONTAINERS berth containers busy-looping).
# Berth is timed through its CLI and, to leave out the CLI's JVM start, through the REST API with curl.
# Usage: bench/stop.sh [N]   (STOP_TIMEOUT=2 SLEEP_STOPS=5 LOAD_CONTAINERS=8 BERTH_LOG_LEVEL=debug
# BERTH_DAEMON_LIB=DIR: another build of berthd, for before/after figures)
# Writes the raw figures (ms per stop) to build/bench/stop/ and prints p50/p95 per case.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
. "$repo/bench/lib.sh"
n=${1:-20}
stop_timeout=${STOP_TIMEOUT:-2}
load_containers=${LOAD_CONTAINERS:-8}
sleep_n=${SLEEP_STOPS:-5}
out=$repo/build/bench/stop
rm -rf "$out"; mkdir -p "$out"
work=$(mktemp -d /tmp/berth-bench-stop.XXXXXX)
berth=$repo/cli/src/main/sh/berth
cleanup() {
  set +e
  [ -n "${berthd_pid:-}" ] && { "$berth" rm -f $("$berth" ps -aq --no-trunc) >/dev/null 2>&1; kill "$berthd_pid"; wait "$berthd_pid"; }
  podman "${podman_opts[@]}" rm -af -t 0 >/dev/null 2>&1
  for m in $(awk -v w="$work" '$5 ~ "^"w {print $5}' /proc/self/mountinfo | sort -r); do umount -l "$m"; done
  rm -rf "$work"
}
trap cleanup EXIT

export BERTH_SOCKET=$work/berth.sock BERTH_LIB=$repo/cli/target/lib
bash "$repo/cli/src/main/sh/make-cds.sh" "$BERTH_LIB" >/dev/null
cat > "$work/berth.toml" <<TOML
shim_path = "$repo/shim/c/berth-shim"
runtime = "/usr/sbin/runc"
builtin_image = "$repo/build/images/busybox"
cgroup_parent = "berth-bench-stop"
log_level = "${BERTH_LOG_LEVEL:-info}"
TOML
BERTH_DAEMON_LIB=${BERTH_DAEMON_LIB:-$repo/daemon/target/lib} "$repo/daemon/src/main/sh/berthd" --config "$work/berth.toml" \
  --root "$work/root" --run-root "$work/run" --socket "$BERTH_SOCKET" >"$out/berthd.log" 2>&1 &
berthd_pid=$!
wait_for 60 "$berth" version

podman_opts=(--root "$work/podman-root" --runroot "$work/podman-run" --tmpdir "$work/podman-tmp"
  --runtime runc --cgroup-manager cgroupfs)
podman_run=(--network none --ulimit nofile=20000:20000 --ulimit nproc=32768:32768)
podman "${podman_opts[@]}" pull -q "oci:$repo/build/images/busybox:latest" >/dev/null
podman "${podman_opts[@]}" tag "$(podman "${podman_opts[@]}" images -q | head -1)" localhost/busybox:latest

declare -A cmd=([term]='trap "exit 0" TERM; while :; do sleep 0.1; done' [sleep]='exec sleep 1000')
now_ms() { echo $(($(date +%s%N) / 1000000)); }
# start TOOL KIND: one running container, its id on stdout
start() {
  case $1 in
    podman) podman "${podman_opts[@]}" run -d "${podman_run[@]}" localhost/busybox:latest sh -c "${cmd[$2]}" ;;
    *) "$berth" run -d busybox sh -c "${cmd[$2]}" ;;
  esac
}
# stop TOOL ID
stop() {
  case $1 in
    podman) podman "${podman_opts[@]}" stop -t "$stop_timeout" "$2" >/dev/null 2>&1 ;;
    berth) "$berth" stop -t "$stop_timeout" "$2" >/dev/null ;;
    berth-api) curl -sf --unix-socket "$BERTH_SOCKET" -X POST "http://d/v1/containers/$2/stop?timeout=$stop_timeout" >/dev/null ;;
  esac
}
remove() {
  case $1 in
    podman) podman "${podman_opts[@]}" rm -f "$2" >/dev/null ;;
    *) "$berth" rm -f "$2" >/dev/null ;;
  esac
}
timed_stop() { # CASE TOOL ID: one stop's ms, a line in CASE.ms
  local t0; t0=$(now_ms); stop "$2" "$3"; echo $(($(now_ms) - t0)) >>"$out/$1.ms"
}
# measure CASE TOOL KIND COUNT PARALLEL: starts COUNT containers, then stops them PARALLEL at a time
measure() {
  local ids=() waits=() i id
  for _ in $(seq 1 "$4"); do ids+=("$(start "$2" "$3")"); done
  sleep 1 # every init has set its trap
  : >"$out/$1.ms"
  for ((i = 0; i < ${#ids[@]}; i += $5)); do
    waits=()
    for id in "${ids[@]:i:$5}"; do timed_stop "$1" "$2" "$id" & waits+=($!); done
    wait "${waits[@]}"
  done
  for id in "${ids[@]}"; do remove "$2" "$id"; done
}
summary() { # CASE: n, p50, p95, max of its ms
  sort -n "$out/$1.ms" | awk -v c="$1" '{v[NR]=$1} END {
    p50=v[int((NR+1)*0.50)]; p95=v[int(NR*0.95+0.5)]; if (!p95) p95=v[NR]
    printf "  %-32s n=%-3d p50=%6d ms  p95=%6d ms  max=%6d ms\n", c, NR, p50, p95, v[NR]}'
}

cases=()
for load in idle load; do
  if [ "$load" = load ]; then
    for i in $(seq 1 "$load_containers"); do "$berth" run -d --name "busy-$i" busybox sh -c 'while :; do :; done' >/dev/null; done
  fi
  for tool in berth berth-api podman; do
    measure "$load-term-$tool" "$tool" term "$n" 1
    measure "$load-term-8-at-once-$tool" "$tool" term "$n" 8
    measure "$load-sleep-$tool" "$tool" sleep "$sleep_n" 1
    cases+=("$load-term-$tool" "$load-term-8-at-once-$tool" "$load-sleep-$tool")
  done
  echo "== $load ($(cut -d' ' -f1 /proc/loadavg) load average)" | tee -a "$out/summary.txt"
done
echo "== stops, ms (-t $stop_timeout; sleep cases: $sleep_n stops, the others $n)" | tee -a "$out/summary.txt"
for c in "${cases[@]}"; do summary "$c" | tee -a "$out/summary.txt"; done
