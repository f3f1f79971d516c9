#!/usr/bin/env bash
# Per-read latency of the resource views, side by side in one run: real /proc, lxcfs (-l --enable-cfs)
# and berth-viewfs (its launcher, as deployed), from a process inside a v1 cgroup below /berth with
# 256 MiB and 1.5 CPUs. One reader, then N concurrent readers with the server's CPU time and RSS.
# Also checks that a limit changed under a running server shows up in the next read.
# Needs root, /dev/fuse, libfuse2, gcc, cgroup v1; lxcfs is optional. Build first:
#   mvn -q -B -pl oci-spec,cgroups,viewfs install
# Usage: bench/viewfs.sh [READS] [CONCURRENT]   (defaults 20000 and 50)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
reads=${1:-20000}
conc=${2:-50}
controllers="memory cpu cpuacct cpuset pids"
v1=/sys/fs/cgroup
cg=berth/viewfs-bench-$$
work=$(mktemp -d /tmp/viewfs-bench.XXXXXX)
made=()
cleanup() {
  set +e
  [ -n "${viewfs_pid:-}" ] && { kill "$viewfs_pid"; wait "$viewfs_pid"; }
  [ -n "${lxcfs_pid:-}" ] && { kill "$lxcfs_pid"; wait "$lxcfs_pid"; }
  for m in "$work/viewfs" "$work/lxcfs"; do mountpoint -q "$m" && umount -l "$m"; done
  for ((i = ${#made[@]} - 1; i >= 0; i--)); do
    for _ in $(seq 50); do rmdir "${made[$i]}" 2>/dev/null && break; [ -d "${made[$i]}" ] || break; sleep 0.1; done
  done
  rm -rf "$work"
}
trap cleanup EXIT

# open+read+close in a loop; with -c N, N forked readers at once. Prints mean/p50/p99 µs per read.
cat > "$work/readbench.c" <<'C'
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
static char buf[1 << 16];
static long now_ns(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1000000000L + t.tv_nsec; }
static long once(const char *path) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) { perror(path); exit(1); }
  long total = 0, n;
  while ((n = read(fd, buf, sizeof buf)) > 0) total += n;
  if (n < 0) { perror(path); exit(1); }
  close(fd);
  return total;
}
static int cmp(const void *a, const void *b) { long x = *(const long *)a, y = *(const long *)b; return (x > y) - (x < y); }
int main(int argc, char **argv) {
  int conc = atoi(argv[1]), reads = atoi(argv[2]);
  for (int a = 3; a < argc; a++) {
    const char *path = argv[a];
    for (int i = 0; i < 2000; i++) once(path);
    if (conc <= 1) {
      long *lat = malloc(sizeof(long) * reads), bytes = 0, t0 = now_ns();
      for (int i = 0; i < reads; i++) { long s = now_ns(); bytes = once(path); lat[i] = now_ns() - s; }
      double mean = (now_ns() - t0) / 1e3 / reads;
      qsort(lat, reads, sizeof(long), cmp);
      printf("%-40s 1 reader   mean %7.1f us  p50 %7.1f  p99 %7.1f  (%ld bytes)\n", path, mean,
             lat[reads / 2] / 1e3, lat[reads * 99 / 100] / 1e3, bytes);
      free(lat);
      continue;
    }
    int fds[2]; if (pipe(fds)) return 1;
    long t0 = now_ns();
    for (int c = 0; c < conc; c++) if (fork() == 0) {
      long s = now_ns();
      for (int i = 0; i < reads; i++) once(path);
      long ns = now_ns() - s;
      if (write(fds[1], &ns, sizeof ns) != sizeof ns) _exit(1);
      _exit(0);
    }
    double sum = 0; long ns;
    for (int c = 0; c < conc; c++) { if (read(fds[0], &ns, sizeof ns) != sizeof ns) return 1; sum += ns; }
    while (wait(NULL) > 0) {}
    double wall = (now_ns() - t0) / 1e9;
    printf("%-40s %d readers mean %7.1f us per read per reader, %8.0f reads/s in all\n", path, conc,
           sum / conc / 1e3 / reads, (double)conc * reads / wall);
    close(fds[0]); close(fds[1]);
  }
  return 0;
}
C
gcc -O2 -o "$work/readbench" "$work/readbench.c"

for c in $controllers; do
  for d in "$v1/$c/berth" "$v1/$c/$cg"; do
    if [ ! -d "$d" ]; then mkdir "$d"; made+=("$d"); fi
    if [ "$c" = cpuset ]; then
      for f in cpuset.cpus cpuset.mems; do
        [ -n "$(cat "$d/$f")" ] || cat "$(dirname "$d")/$f" > "$d/$f"
      done
    fi
  done
done
echo $((256 << 20)) > "$v1/memory/$cg/memory.limit_in_bytes"
echo 100000 > "$v1/cpu/$cg/cpu.cfs_period_us"
echo 150000 > "$v1/cpu/$cg/cpu.cfs_quota_us"

mkdir "$work/viewfs" "$work/lxcfs"
"$repo/viewfs/src/main/sh/berth-viewfs" "$work/viewfs" >"$work/viewfs.log" 2>&1 &
viewfs_pid=$!
targets=(/proc/meminfo "$work/viewfs/proc/meminfo")
if command -v lxcfs >/dev/null; then
  lxcfs -f -l --enable-cfs -p "$work/lxcfs.pid" "$work/lxcfs" >"$work/lxcfs.log" 2>&1 &
  lxcfs_pid=$!
  targets+=("$work/lxcfs/proc/meminfo")
fi
for _ in $(seq 200); do
  [ -e "$work/viewfs/proc/meminfo" ] && { [ -z "${lxcfs_pid:-}" ] || [ -e "$work/lxcfs/proc/meminfo" ]; } && break
  sleep 0.05
done

# Runs a command inside the bench cgroup.
in_cgroup() {
  sh -c 'for c in '"$controllers"'; do echo $$ > '"$v1"'/$c/'"$cg"'/cgroup.procs; done; exec "$@"' sh "$@"
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$viewfs_pid/stat"; }
rss() { awk '/^VmRSS|^VmHWM/ {printf "%s %s kB  ", $1, $2}' "/proc/$viewfs_pid/status"; }

echo "== $(nproc) CPUs, $(uname -r); µs per open+read+close from a process in /$cg (256 MiB, 1.5 CPUs)"
in_cgroup "$work/readbench" 1 "$reads" "${targets[@]}"
echo "== other viewfs files, 1 reader"
in_cgroup "$work/readbench" 1 "$reads" "$work"/viewfs/proc/{cpuinfo,stat,uptime,loadavg} "$work/viewfs/sys/devices/system/cpu/online"
echo "== host pass-through (this shell is not in a container)"
"$work/readbench" 1 "$reads" "$work/viewfs/proc/meminfo"
echo "== $conc concurrent readers"
t0=$(cpu_ticks); s0=$(date +%s%N)
in_cgroup "$work/readbench" "$conc" $((reads / 10)) "$work/viewfs/proc/meminfo"
t1=$(cpu_ticks); s1=$(date +%s%N)
echo "viewfs server: $(( (t1 - t0) * 10 )) ms CPU in $(( (s1 - s0) / 1000000 )) ms wall; $(rss)"
if [ -n "${lxcfs_pid:-}" ]; then
  in_cgroup "$work/readbench" "$conc" $((reads / 10)) "$work/lxcfs/proc/meminfo"
fi
in_cgroup "$work/readbench" "$conc" $((reads / 10)) /proc/meminfo

echo "== berth update: a new limit in the next read"
echo $((128 << 20)) > "$v1/memory/$cg/memory.limit_in_bytes"
in_cgroup sh -c "grep MemTotal $work/viewfs/proc/meminfo"
