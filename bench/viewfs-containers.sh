#!/usr/bin/env bash
# Resource views under N real containers: berthd (own root, sockets and cgroup parent) runs N runc
# containers of the built-in busybox image through the berth CLI, each with limits of its own (memory
# 64m..256m, --cpus 0.5/1/1.5/2), the view server's files bound over /proc and /sys as berthd binds them.
# Each container reads /proc/{meminfo,cpuinfo,stat,uptime,loadavg} and /sys/devices/system/cpu/online
# in a loop (one busybox awk, INTERVAL s between rounds) and checks each against its own limits: MemTotal
# == its memory limit, processors in cpuinfo and stat == ceil(cpus), the online list 0..ceil(cpus)-1,
# uptime below the host's at the start (its cgroup is younger), at most 20 tasks in loadavg. All
# containers start reading together once all are up, for SECONDS; meanwhile the server's heap (jstat)
# and RSS are sampled. Prints containers, reads, failed reads, wrong values, heap used max / -Xmx, RSS
# max, server CPU, host load.
# SERVER: viewfs (berth-viewfs, its launcher as deployed) or lxcfs (`lxcfs -f -l --enable-cfs`: berthd's
# resource_views pointed at its mount, which serves the same paths).
# Needs root, /dev/fuse, libfuse2, cgroup v1, a build without install:
#   mvn -B -q -pl daemon,cli,viewfs -am package -DskipTests && make -C shim/c &&
#   java -cp "daemon/target/lib/*" dev.berth.image.BuiltinImage build/images/busybox
# Usage: bench/viewfs-containers.sh [N] [SECONDS] [SERVER] [PARALLEL] [INTERVAL]
#        (defaults 200, 60, viewfs, 8 `berth run -d` at a time, 0.05)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
. "$repo/bench/lib.sh"
containers=${1:-200}
seconds=${2:-60}
server=${3:-viewfs}
parallel=${4:-8}
interval=${5:-0.05}
case $server in viewfs | lxcfs) ;; *) echo "SERVER must be viewfs or lxcfs, not '$server'" >&2; exit 2 ;; esac
work=$(mktemp -d /tmp/viewfs-containers.XXXXXX)
tag=$(basename "$work" | tr -c 'a-zA-Z0-9\n' '-')
parent=berth-$tag
berth=$repo/cli/src/main/sh/berth
export BERTH_SOCKET=$work/berth.sock BERTH_LIB=$repo/cli/target/lib
# the CLI as installed: with its class-data archive (make install makes the same one)
bash "$repo/cli/src/main/sh/make-cds.sh" "$BERTH_LIB" >/dev/null

cleanup() {
  set +e
  if [ -n "${berthd_pid:-}" ]; then
    "$berth" ps -aq --no-trunc 2>/dev/null | xargs -r -n 25 -P 4 "$berth" rm -f >/dev/null 2>&1
    kill "$berthd_pid"; wait "$berthd_pid"
  fi
  # whatever berthd left: runc containers, shims
  for id in $(ls "$work/run/runc" 2>/dev/null); do runc --root "$work/run/runc" delete -f "$id" >/dev/null 2>&1; done
  for f in "$work"/run/shims/*/shim.pid; do [ -f "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null; done
  [ -n "${sampler_pid:-}" ] && kill "$sampler_pid" 2>/dev/null
  [ -n "${server_pid:-}" ] && { kill "$server_pid"; wait "$server_pid"; }
  # berth-viewfs's keeper holds the FUSE connection for a successor; this one gets none
  for d in /proc/[0-9]*; do
    case $(cat "$d/comm" 2>/dev/null) in viewfs-keeper | viewfs-orphan) ;; *) continue ;; esac
    [ "$({ tr '\0' '\n' <"$d/cmdline"; } 2>/dev/null | sed -n 4p)" = "berth-viewfs:$work/views" ] && kill "${d#/proc/}"
  done
  for m in $(awk -v w="$work" 'index($5, w) == 1 {print $5}' /proc/self/mountinfo | sort -r); do umount -l "$m"; done
  for h in /sys/fs/cgroup/*/; do
    [ -d "$h$parent" ] && find "$h$parent" -depth -type d -exec rmdir {} + 2>/dev/null
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap "exit 130" INT TERM

mkdir "$work/views" "$work/out"
if [ "$server" = viewfs ]; then
  "$repo/viewfs/src/main/sh/berth-viewfs" "$work/views" --cgroup-parent "$parent" >"$work/server.log" 2>&1 &
else
  lxcfs -f -l --enable-cfs -p "$work/lxcfs.pid" "$work/views" >"$work/server.log" 2>&1 &
fi
server_pid=$!
wait_for 30 test -e "$work/views/proc/meminfo" || { cat "$work/server.log" >&2; exit 1; }

cat >"$work/berth.toml" <<TOML
shim_path = "$repo/shim/c/berth-shim"
runtime = "/usr/sbin/runc"
builtin_image = "$repo/build/images/busybox"
cgroup_parent = "$parent"
resource_views = "$work/views"
TOML
BERTH_DAEMON_LIB=$repo/daemon/target/lib "$repo/daemon/src/main/sh/berthd" --config "$work/berth.toml" \
  --root "$work/root" --run-root "$work/run" --socket "$BERTH_SOCKET" >"$work/berthd.log" 2>&1 &
berthd_pid=$!
wait_for 60 "$berth" version || { tail -20 "$work/berthd.log" >&2; exit 1; }

# The reader: waits for EOF on the FIFO /out/go (no polling while the others start), reads every view
# each round until /out/stop exists, then writes "reads failed wrong first-wrong-value" to /out/NAME.
# busybox awk: one process, no fork per read (one per round, the sleep).
reader='BEGIN {
  n = split("/proc/meminfo /proc/cpuinfo /proc/stat /proc/uptime /proc/loadavg /sys/devices/system/cpu/online", files, " ")
  online = ncpu == 1 ? "0" : "0-" (ncpu - 1)
  getline x < "/out/go"
  close("/out/go")
  while ((getline x < "/out/stop") <= 0) {
    close("/out/stop")
    for (i = 1; i <= n; i++) {
      f = files[i]; lines = 0; cpus = 0; bad = ""
      while ((r = (getline l < f)) > 0) {
        lines++
        split(l, w, " ")
        if (f == "/proc/meminfo" && w[1] == "MemTotal:" && w[2] != memkb) bad = l
        if (f == "/proc/cpuinfo" && w[1] == "processor") cpus++
        if (f == "/proc/stat" && l ~ /^cpu[0-9]/) cpus++
        if (f == "/proc/uptime" && w[1] + 0 >= maxup) bad = l
        if (f == "/proc/loadavg") { split(w[4], t, "/"); if (t[2] + 0 > 20) bad = l }
        if (f == "/sys/devices/system/cpu/online" && l != online) bad = l
      }
      close(f)
      if (r < 0 || lines == 0) { failed++; continue }
      reads++
      if ((f == "/proc/cpuinfo" || f == "/proc/stat") && cpus != ncpu) bad = f ": " cpus " cpus"
      if (bad != "") { wrong++; if (first == "") { first = f ": " bad } }
    }
    system("sleep " interval)
  }
  gsub(/[ \t]+/, "_", first)
  printf "%d %d %d %s\n", reads, failed, wrong, first > ("/out/" name)
}'
maxup=$(cut -d. -f1 /proc/uptime)
start_one() { # I MEM_MIB CPUS NCPU: container vfc-I with these limits
  "$berth" run -d --name "vfc-$1" --memory "$2m" --cpus "$3" -v "$work/out:/out" busybox \
    awk -v name="vfc-$1" -v memkb=$(($2 * 1024)) -v ncpu="$4" -v maxup="$maxup" -v interval="$interval" \
    "$reader" >/dev/null || echo "vfc-$1 did not start" >&2
}
export -f start_one
export berth work reader maxup interval
mems=(64 96 128 160 192 224 256)
cpus=(0.5 1 1.5 2)
ncpus=(1 1 2 2)
echo "== $(nproc) CPUs, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg); server $server; starting $containers containers, $parallel at a time"
# held open read-write until all run: the readers' opens return at once and their reads wait for EOF
mkfifo "$work/out/go"
exec 3<>"$work/out/go"
t0=$(date +%s.%N)
for i in $(seq 0 $((containers - 1))); do echo "$i ${mems[i % 7]} ${cpus[i % 4]} ${ncpus[i % 4]}"; done |
  xargs -P "$parallel" -L 1 bash -c 'start_one "$@"' start_one 3>&-
t1=$(date +%s.%N)
running=$("$berth" ps -q | wc -l)
echo "started: $running running in $(echo "$t1 - $t0" | bc | cut -d. -f1) s; load $(cut -d' ' -f1-3 /proc/loadavg)"
[ "$running" -eq "$containers" ] || { echo "only $running of $containers containers run" >&2; exit 1; }

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
if [ "$server" = viewfs ]; then
  jstat -gc -t "$server_pid" 5s >"$work/jstat.txt" 2>&1 3>&- &
  sampler_pid=$!
fi
exec 3>&-
c0=$(cpu_ticks "$server_pid")
rss_max=0 load_sum=0 samples=0
end=$(($(date +%s) + seconds))
while [ "$(date +%s)" -lt "$end" ]; do
  sleep 2
  r=$(awk '/^VmRSS/ {print $2}' "/proc/$server_pid/status")
  [ "$r" -gt "$rss_max" ] && rss_max=$r
  load_sum=$(echo "$load_sum + $(cut -d' ' -f1 /proc/loadavg)" | bc)
  samples=$((samples + 1))
done
c1=$(cpu_ticks "$server_pid")
load_end=$(cut -d' ' -f1-3 /proc/loadavg)
echo 1 >"$work/out/stop"
reported_all() { [ "$(ls "$work/out" | grep -c '^vfc-')" -eq "$containers" ]; }
wait_for 60 reported_all || echo "not every reader reported" >&2
[ -n "${sampler_pid:-}" ] && { kill "$sampler_pid"; wait "$sampler_pid" 2>/dev/null || true; sampler_pid=; }

read -r reads failed wrong <<<"$(cat "$work"/out/vfc-* | awk '{r += $1; f += $2; w += $3} END {print r, f, w}')"
echo "containers $containers, $seconds s: reads $reads ($((reads / seconds)) /s), failed reads $failed, wrong values $wrong"
awk '$3 > 0 {print "  wrong in " FILENAME ": " $3 ", first: " $4}' "$work"/out/vfc-* | head -5
echo "server $server: CPU $(((c1 - c0) * 10)) ms in $seconds s; RSS max $rss_max kB (sampled every 2 s), $(awk '/^VmHWM/ {print "VmHWM " $2 " kB"}' "/proc/$server_pid/status")"
if [ "$server" = viewfs ]; then
  # jstat -gc: heap used = S0U+S1U+EU+OU (kB), sampled every 5 s; GC counts and time at the end
  awk 'NR == 1 {for (i = 1; i <= NF; i++) c[$i] = i; next}
       $1 ~ /^[0-9.]+$/ {u = $c["S0U"] + $c["S1U"] + $c["EU"] + $c["OU"]; if (u > m) m = u; mu = $c["MU"]; y = $c["YGC"]; f = $c["FGC"]; t = $c["GCT"]; n++}
       END {printf "heap used max %.1f MB of -Xmx %s (%d samples); metaspace %.1f MB; GCs: %d young, %d full, %.2f s\n", m / 1024, xmx, n, mu / 1024, y, f, t}' \
    xmx="$(jcmd "$server_pid" VM.flags | tr ' ' '\n' | awk -F= '/MaxHeapSize/ {printf "%d MB", $2 / 1048576; exit}')" "$work/jstat.txt"
fi
echo "host load: mean $(echo "scale=1; $load_sum / $samples" | bc) during the reads, at the end $load_end"
