#!/usr/bin/env bash
# Re-adoption after a crash, berthd vs containerd 1.6, in one run: N running `sleep` containers (tasks) each,
# the daemon killed with SIGKILL and started again, and the time from that start to (a) its socket answering and
# (b) its list showing all N running: berthd's `GET /v1/containers`, containerd's `ctr task ls`.
# Usage: bench/readopt.sh [N, default 100]   (ROUNDS=3: kill/start rounds per daemon; BERTH_LOG_LEVEL=debug;
# BERTH_DAEMON_LIB=DIR: another build of berthd, for before/after figures)
# Needs root, a built tree (mvn -B -o package -DskipTests, make -C shim/c, the built-in image in
# build/images/busybox), containerd and ctr. Both daemons are isolated (own root, state, socket, cgroup parent,
# runc root); everything is removed on exit, also on failure. Raw figures and logs: build/bench/readopt/.
set -euo pipefail
n=${1:-100}
rounds=${ROUNDS:-3}
repo=$(cd "$(dirname "$0")/.." && pwd)
. "$repo/bench/lib.sh"
out=$repo/build/bench/readopt
rm -rf "$out"; mkdir -p "$out"
# Short: berth's shim sockets (RUN_ROOT/shims/<id prefix>/shim.sock) must fit in 107 bytes.
work=$(mktemp -d /tmp/bro.XXXXXX)
suffix=$(basename "$work" | cut -d. -f2 | tr 'A-Z' 'a-z')
for f in "$repo/shim/c/berth-shim" "$repo/build/images/busybox/index.json" "$repo/daemon/target/lib"; do
  [ -e "$f" ] || { echo "missing $f: build the tree first (see the header of $0)" >&2; exit 1; }
done
for c in containerd ctr curl jq; do
  command -v "$c" >/dev/null || { echo "missing $c" >&2; exit 1; }
done
berth_cgroup=readopt-berth-$suffix ctd_cgroup=readopt-ctd-$suffix
berth_sock=$work/b/run/berth.sock ctd_sock=$work/c/containerd.sock
ctr=(ctr --address "$ctd_sock" --namespace readopt)
berthd_pid= ctd_pid=

cleanup() {
  set +e
  # berthd's containers through berthd itself (shims, runc state, cgroups, overlays), while it runs.
  if [ -n "$berthd_pid" ]; then
    for id in $(api GET "/v1/containers?all=true" | jq -r '.[].id'); do api DELETE "/v1/containers/$id?force=true" >/dev/null; done
    kill -9 "$berthd_pid"; wait "$berthd_pid" 2>/dev/null
  fi
  if [ -n "$ctd_pid" ]; then
    for t in $("${ctr[@]}" task ls -q 2>/dev/null); do "${ctr[@]}" task kill -s KILL "$t" >/dev/null 2>&1; done
    for t in $("${ctr[@]}" task ls -q 2>/dev/null); do
      for _ in $(seq 1 50); do "${ctr[@]}" task delete "$t" >/dev/null 2>&1 && break; sleep 0.1; done
    done
    for c in $("${ctr[@]}" container ls -q 2>/dev/null); do "${ctr[@]}" container delete "$c" >/dev/null 2>&1; done
    kill "$ctd_pid"; wait "$ctd_pid" 2>/dev/null
  fi
  # What a failed run may leave: shims of either daemon, containers in both runc roots, mounts, cgroups.
  for d in /proc/[0-9]*; do
    grep -qaF -e "$ctd_sock" -e "$work/b/run/shims" "$d/cmdline" 2>/dev/null && kill -9 "${d#/proc/}" 2>/dev/null
  done
  for root in "$work/c/runc/readopt" "$work/b/run/runc"; do
    for id in $(ls "$root" 2>/dev/null); do runc --root "$root" delete -f "$id" >/dev/null 2>&1; done
  done
  for m in $(awk -v w="$work" '$5 ~ "^"w {print $5}' /proc/self/mountinfo | sort -r); do umount -l "$m"; done
  rmdir /run/containerd/s /run/containerd 2>/dev/null
  for h in /sys/fs/cgroup/*/ /sys/fs/cgroup/; do
    for g in "$berth_cgroup" "$ctd_cgroup"; do
      [ -d "$h$g" ] && find "$h$g" -depth -type d -exec rmdir {} \; 2>/dev/null
    done
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

api() { # METHOD PATH [BODY]: berthd's REST API
  curl -sf --unix-socket "$berth_sock" -X "$1" ${3:+-H 'Content-Type: application/json' -d "$3"} "http://d$2"
}
now_ns() { date +%s%N; }
ms_since() { echo $((($(now_ns) - $1) / 1000000)); }
berth_answers() { api GET /v1/version >/dev/null; }
berth_all_running() { [ "$(api GET /v1/containers | jq '[.[] | select(.state == "running")] | length')" = "$n" ]; }
ctd_answers() { "${ctr[@]}" version >/dev/null 2>&1; }
ctd_all_running() { [ "$("${ctr[@]}" task ls 2>/dev/null | grep -c ' RUNNING$')" = "$n" ]; }
# poll_ms T0 COMMAND...: ms from T0 until COMMAND succeeds, polled without a pause (60 s at most)
poll_ms() {
  local t0=$1; shift
  until "$@"; do
    [ $(ms_since "$t0") -gt 60000 ] && { echo "timed out: $*" >&2; return 1; }
  done
  ms_since "$t0"
}

start_berthd() {
  BERTH_DAEMON_LIB=${BERTH_DAEMON_LIB:-$repo/daemon/target/lib} setsid "$repo/daemon/src/main/sh/berthd" --config "$work/b/berth.toml" \
    --root "$work/b/root" --run-root "$work/b/run" --socket "$berth_sock" >>"$out/berthd.log" 2>&1 &
  berthd_pid=$!
}
start_containerd() {
  setsid containerd --config "$work/c/containerd.toml" >>"$out/containerd.log" 2>&1 &
  ctd_pid=$!
}

echo "== berthd ($(git -C "$repo" rev-parse --short HEAD)), $n containers"
mkdir -p "$work/b/run"
cat >"$work/b/berth.toml" <<TOML
shim_path = "$repo/shim/c/berth-shim"
runtime = "/usr/sbin/runc"
builtin_image = "$repo/build/images/busybox"
cgroup_parent = "$berth_cgroup"
log_level = "${BERTH_LOG_LEVEL:-info}"
TOML
start_berthd
wait_for 60 berth_answers
for i in $(seq 1 "$n"); do
  id=$(api POST /v1/containers '{"image":"busybox","cmd":["sleep","100000"],"network":"none"}' | jq -r .id)
  api POST "/v1/containers/$id/start" >/dev/null
done
wait_for 60 berth_all_running

echo "== containerd $(containerd --version | awk '{print $3}'), $n tasks"
mkdir -p "$work/c"
cat >"$work/c/containerd.toml" <<TOML
version = 2
root = "$work/c/root"
state = "$work/c/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$ctd_sock"
[ttrpc]
  address = "$ctd_sock.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$work/c/opt"
[plugins."io.containerd.runtime.v2.task"]
  platforms = ["linux/amd64"]
TOML
start_containerd
wait_for 30 ctd_answers
# The same busybox image berthd runs, from its OCI layout.
tar -C "$repo/build/images/busybox" -cf "$work/busybox.tar" .
"${ctr[@]}" images import --base-name localhost/busybox --digests "$work/busybox.tar" >/dev/null
image=$("${ctr[@]}" images ls -q | head -1)
for i in $(seq 1 "$n"); do
  "${ctr[@]}" run -d --runtime io.containerd.runc.v2 --runc-binary /usr/sbin/runc --runc-root "$work/c/runc/readopt" \
    --cgroup "/$ctd_cgroup/t$i" "$image" "t$i" sleep 100000 >/dev/null
done
wait_for 60 ctd_all_running

# kill -9, start again, time it; both daemons keep running between their rounds, so each restart happens beside
# the other daemon's N idle containers as in production.
: >"$out/figures.txt"
for r in $(seq 1 "$rounds"); do
  kill -9 "$berthd_pid"; wait "$berthd_pid" 2>/dev/null || true
  t0=$(now_ns); start_berthd
  a=$(poll_ms "$t0" berth_answers); b=$(poll_ms "$t0" berth_all_running)
  # CPU time berthd used until then: less at the mercy of the other processes on a busy host than the wall time.
  read -ra stat <"/proc/$berthd_pid/stat"
  echo "berthd round $r: socket answers after $a ms, all $n running listed after $b ms" \
    "(CPU $(((stat[13] + stat[14]) * 1000 / $(getconf CLK_TCK))) ms)" | tee -a "$out/figures.txt"
  kill -9 "$ctd_pid"; wait "$ctd_pid" 2>/dev/null || true
  t0=$(now_ns); start_containerd
  a=$(poll_ms "$t0" ctd_answers); b=$(poll_ms "$t0" ctd_all_running)
  echo "containerd round $r: socket answers after $a ms, all $n running listed after $b ms" | tee -a "$out/figures.txt"
done
echo "== median of $rounds rounds, ms from start (load average $(cut -d' ' -f1-3 /proc/loadavg))" | tee -a "$out/figures.txt"
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
for d in berthd containerd; do
  a=$(grep "^$d round" "$out/figures.txt" | awk '{print $7}' | median)
  b=$(grep "^$d round" "$out/figures.txt" | awk '{print $14}' | median)
  printf '  %-10s socket answers %5d   all %d running listed %5d\n' "$d" "$a" "$n" "$b" | tee -a "$out/figures.txt"
done
