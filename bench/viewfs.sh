#!/usr/bin/env bash
# Per-read latency of the resource views, side by side in one run: real /proc, lxcfs (-l --enable-cfs)
# and berth-viewfs (its launcher, as deployed), read as a container reads them: from a process in a v1
# cgroup below /berth (256 MiB, 1.5 CPUs), in a mount namespace of its own where each server's files
# are bind-mounted over /proc and /sys as berthd (or lxcfs's users) bind them. One reader per file,
# then N concurrent readers per file with each server's CPU time and RSS; then M containers (cgroups
# with limits of their own, one reader process each) reading all views in a loop, checking that each
# sees its own limits, with berth-viewfs's RSS and heap. Also checks that a limit changed under a
# running server shows up in the next read.
# Needs root, /dev/fuse, libfuse2, gcc, cgroup v1; lxcfs is optional. Build first (no install):
#   mvn -q -B -pl viewfs -am package -DskipTests
# Usage: bench/viewfs.sh [READS] [CONCURRENT] [CONTAINERS] [SECONDS]   (defaults 5000, 50, 200, 20;
#        CONTAINERS 0 skips that part). BERTH_VIEWFS_BASELINE=DIR (a berth-viewfs jar and lib/ of another
#        build) adds that build as server "baseline", so that a change is measured against it in one run.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
. "$repo/bench/lib.sh"
reads=${1:-5000}
conc=${2:-50}
containers=${3:-200}
seconds=${4:-20}
controllers="memory cpu cpuacct cpuset pids"
files=(/proc/meminfo /proc/cpuinfo /proc/stat /proc/uptime /proc/loadavg /sys/devices/system/cpu/online)
v1=/sys/fs/cgroup
cg=berth/viewfs-bench-$$
work=$(mktemp -d /tmp/viewfs-bench.XXXXXX)
made=()
cleanup() {
  set +e
  [ -n "${viewfs_pid:-}" ] && { kill "$viewfs_pid"; wait "$viewfs_pid"; }
  [ -n "${lxcfs_pid:-}" ] && { kill "$lxcfs_pid"; wait "$lxcfs_pid"; }
  [ -n "${baseline_pid:-}" ] && { kill "$baseline_pid"; wait "$baseline_pid"; }
  for m in "$work/viewfs" "$work/lxcfs" "$work/baseline"; do mountpoint -q "$m" && umount -l "$m"; done
  for ((i = ${#made[@]} - 1; i >= 0; i--)); do
    for _ in $(seq 50); do rmdir "${made[$i]}" 2>/dev/null && break; [ -d "${made[$i]}" ] || break; sleep 0.1; done
  done
  rm -rf "$work"
}
trap cleanup EXIT

gcc -O2 -Wall -o "$work/read" "$repo/bench/viewfs-read.c"
gcc -O2 -Wall -o "$work/scale" "$repo/bench/viewfs-scale.c"

# Makes a cgroup (relative to each v1 controller) with MiB of memory and CPUS_X100/100 CPUs.
make_cgroup() { # CGROUP MIB CPUS_X100
  for c in $controllers; do
    for d in "$v1/$c/berth" "$v1/$c/$1"; do
      if [ ! -d "$d" ]; then mkdir "$d"; made+=("$d"); fi
      if [ "$c" = cpuset ]; then
        for f in cpuset.cpus cpuset.mems; do
          [ -n "$(cat "$d/$f")" ] || cat "$(dirname "$d")/$f" > "$d/$f"
        done
      fi
    done
  done
  echo $(($2 << 20)) > "$v1/memory/$1/memory.limit_in_bytes"
  echo 100000 > "$v1/cpu/$1/cpu.cfs_period_us"
  echo $(($3 * 1000)) > "$v1/cpu/$1/cpu.cfs_quota_us"
}
make_cgroup "$cg" 256 150

mkdir "$work/viewfs" "$work/lxcfs"
"$repo/viewfs/src/main/sh/berth-viewfs" "$work/viewfs" >"$work/viewfs.log" 2>&1 &
viewfs_pid=$!
servers=(real viewfs)
if [ -n "${BERTH_VIEWFS_BASELINE:-}" ]; then
  mkdir "$work/baseline"
  BERTH_VIEWFS_HOME=$BERTH_VIEWFS_BASELINE "$repo/viewfs/src/main/sh/berth-viewfs" "$work/baseline" \
    >"$work/baseline.log" 2>&1 &
  baseline_pid=$!
  servers+=(baseline)
  wait_for 20 test -e "$work/baseline/proc/meminfo"
fi
if command -v lxcfs >/dev/null; then
  lxcfs -f -l --enable-cfs -p "$work/lxcfs.pid" "$work/lxcfs" >"$work/lxcfs.log" 2>&1 &
  lxcfs_pid=$!
  servers+=(lxcfs)
  wait_for 20 test -e "$work/lxcfs/proc/meminfo"
fi
wait_for 20 test -e "$work/viewfs/proc/meminfo"

# Runs a command in CGROUP and a new mount namespace with SERVER's files bound over /proc and /sys
# (real: none), as a container's processes run; viewfs's from a container's own copy of the tree, as
# berthd binds them (a baseline build may predate the copies: its root).
as_container() { # SERVER CGROUP COMMAND...
  unshare -m --propagation private sh -c '
    server=$1 cgroup=$2; shift 2
    for c in '"$controllers"'; do echo $$ > '"$v1"'/$c/$cgroup/cgroup.procs; done
    src=$server; [ "$server" = viewfs ] && src=viewfs/containers/$(basename "$cgroup")
    if [ "$server" != real ]; then
      for f in '"${files[*]}"'; do mount --bind '"$work"'/$src$f $f; done
    fi
    exec "$@"' sh "$@"
}
pid_of() { case $1 in viewfs) echo "$viewfs_pid" ;; lxcfs) echo "$lxcfs_pid" ;; baseline) echo "$baseline_pid" ;; esac; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss() { awk '/^VmRSS|^VmHWM/ {printf "%s %s kB  ", $1, $2}' "/proc/$1/status"; }

echo "== $(nproc) CPUs, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg); µs per open+read+close in /$cg (256 MiB, 1.5 CPUs)"
for s in "${servers[@]}"; do as_container "$s" "$cg" "$work/read" "$s" 1 "$reads" "${files[@]}"; done
echo "== host pass-through: a host process through the mount's own path (a lookup per component, host files)"
"$work/read" viewfs 1 "$reads" "$work/viewfs/proc/meminfo"
echo "== $conc concurrent readers, $((reads / 10)) reads each; the server's CPU per read and RSS after"
for f in "${files[@]}"; do
  for s in "${servers[@]}"; do
    p=$(pid_of "$s")
    [ -n "$p" ] && t0=$(cpu_ticks "$p")
    as_container "$s" "$cg" "$work/read" "$s" "$conc" $((reads / 10)) "$f"
    if [ -n "$p" ]; then
      t1=$(cpu_ticks "$p")
      echo "        $s server: $(( (t1 - t0) * 10000000 / (conc * (reads / 10)) )) ns CPU per read; $(rss "$p")"
    fi
  done
done

if [ "$containers" -gt 0 ]; then
echo "== $containers containers (cgroups, each its own limits and reader), every view in turn every 100 ms, $seconds s"
for i in $(seq 0 $((containers - 1))); do make_cgroup "$cg-c$i" $((256 + i)) $((100 + i % 2 * 100)); done
t0=$(cpu_ticks "$viewfs_pid")
as_container viewfs "$cg" "$work/scale" "$v1" "$cg-c" "$containers" "$seconds" 100 256 &
scale_pid=$!
hwm=0
while kill -0 "$scale_pid" 2>/dev/null; do
  r=$(awk '/^VmRSS/ {print $2}' "/proc/$viewfs_pid/status")
  [ "$r" -gt "$hwm" ] && hwm=$r
  sleep 1
done
wait "$scale_pid"
t1=$(cpu_ticks "$viewfs_pid")
echo "viewfs server: $(( (t1 - t0) * 10 )) ms CPU in $seconds s; RSS peak while reading $hwm kB; $(rss "$viewfs_pid")"
jcmd "$viewfs_pid" GC.heap_info | grep -E 'total|Metaspace' | sed 's/^/  /'
fi

echo "== CPU counts a program in a 1-CPU container gets (the host has $(nproc)): views, then sched_getaffinity"
make_cgroup "$cg-one" 256 100
as_container viewfs "$cg-one" sh -c 'echo "getconf _NPROCESSORS_ONLN (glibc: /sys/devices/system/cpu/online) $(getconf _NPROCESSORS_ONLN)"
  echo "python3 os.cpu_count() (the same sysconf) $(python3 -c "import os; print(os.cpu_count())")"
  echo "nproc (coreutils: sched_getaffinity, the cpuset) $(nproc)"'

echo "== berth update: a new limit in the next read"
echo $((128 << 20)) > "$v1/memory/$cg/memory.limit_in_bytes"
sleep 0.6 # LimitsCache.MAX_AGE_NANOS
as_container viewfs "$cg" grep MemTotal /proc/meminfo
