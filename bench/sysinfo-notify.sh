#!/usr/bin/env bash
# The cost of a syscall view: sysinfo(2) real vs answered by berth-viewfs through seccomp user notification
# (bench/sysinfo-notify.c, a C loop), from a process in a v1 cgroup below /berth with 256 MiB (the view's
# answer) and from the host (the server finds no container: the real syscall, SECCOMP_USER_NOTIF_FLAG_CONTINUE).
# Needs root, /dev/fuse, libfuse2, gcc, cgroup v1. Build first (no install):
#   mvn -q -B -pl viewfs -am package -DskipTests && make -C shim/c
# Usage: bench/sysinfo-notify.sh [CALLS]   (default 20000)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
. "$repo/bench/lib.sh"
calls=${1:-20000}
work=$(mktemp -d /tmp/sysinfo-bench.XXXXXX)
cg=/sys/fs/cgroup/memory/berth/sysinfo-bench-$$
cleanup() {
  set +e
  [ -n "${viewfs_pid:-}" ] && { kill "$viewfs_pid"; wait "$viewfs_pid"; }
  # the notification keeper outlives its servers by design: it is found by its listener path
  for p in /proc/[0-9]*; do
    { tr "\0" " " < "$p/cmdline"; } 2>/dev/null | grep -q -- "$work/mnt.notify.sock" && kill "${p#/proc/}"
  done
  mountpoint -q "$work/mnt" && umount -l "$work/mnt"
  for _ in $(seq 50); do rmdir "$cg" 2>/dev/null && break; [ -d "$cg" ] || break; sleep 0.1; done
  rm -rf "$work"
}
trap cleanup EXIT
gcc -O2 -Wall -o "$work/sysinfo-notify" "$repo/bench/sysinfo-notify.c"
mkdir -p "$cg" "$work/mnt"
echo $((256 << 20)) > "$cg/memory.limit_in_bytes"
"$repo/viewfs/src/main/sh/berth-viewfs" "$work/mnt" >"$work/viewfs.log" 2>&1 &
viewfs_pid=$!
wait_for 30 test -S "$work/mnt.notify.sock"
wait_for 30 grep -q "syscall views: answering" "$work/viewfs.log"
echo "container (cgroup below /berth, 256 MiB): $calls calls"
sh -c 'echo $$ > "$1/cgroup.procs" && exec "$2" "$3" "$4"' sh "$cg" "$work/sysinfo-notify" "$work/mnt.notify.sock" "$calls"
echo "host process (the server answers CONTINUE): $calls calls"
"$work/sysinfo-notify" "$work/mnt.notify.sock" "$calls"
