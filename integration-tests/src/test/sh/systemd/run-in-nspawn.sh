#!/bin/bash
# Runs a guest's checks (dev.berth.it.systemd.SystemdDriverGuest, SystemdServiceGuest) inside a
# throw-away Debian guest with systemd as PID 1: systemd-nspawn on the host's cgroup v1 hybrid
# layout (sysd-env.sh "nspawn v1"). The guest is built once (debootstrap, a few minutes) and
# cached in $BERTH_SYSD_DIR (default /var/tmp/berth-sysd/env); each run boots it from that
# pristine copy in about a second.
#
#   run-in-nspawn.sh CLASSPATH [MAIN_CLASS]
#   run-in-nspawn.sh --build-only      builds the cached guest if needed (run-in-vm.sh makes its VM from it)
#
# MAIN_CLASS defaults to dev.berth.it.systemd.SystemdDriverGuest. CLASSPATH is the test classpath; the guest sees the repository and ~/.m2 read-only at the same
# paths, so every entry must lie under one of them. Exit code: the guest's (0 = all steps passed);
# 77 = no guest can be built or booted here (reason on stderr); 124/125 = the guest timed out or
# gave no result.
set -euo pipefail
here=$(dirname "$(realpath "$0")")
repo=$(realpath "$here/../../../../..")
m2=$(realpath "${HOME:-/root}/.m2")
classpath=${1:?usage: run-in-nspawn.sh CLASSPATH [MAIN_CLASS] | --build-only}
main_class=${2:-dev.berth.it.systemd.SystemdDriverGuest}
case $main_class in *[!A-Za-z0-9_.]*) echo "bad main class: $main_class" >&2; exit 2 ;; esac
export SYSD_DIR=${BERTH_SYSD_DIR:-/var/tmp/berth-sysd/env}
export SYSD_EXTRA_PACKAGES=openjdk-17-jre-headless
export SYSD_TIMEOUT=${SYSD_TIMEOUT:-600}
log() { echo "[run-in-nspawn $(date +%T)] $*" >&2; }

. "$here/guest-common.sh"
[ "$classpath" = --build-only ] || require_visible_classpath "$classpath"
build_once "$SYSD_DIR/rootfs" "the systemd guest" bash "$here/sysd-env.sh" build nspawn
[ "$classpath" = --build-only ] && exit 0
command -v systemd-nspawn > /dev/null || { echo "systemd-nspawn is not installed" >&2; exit 77; }

scratch=$(mktemp -d "$SYSD_DIR-run.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
# the repository read-only, but its integration-tests/target writable: berthd's logs go there
mkdir -p "$repo/integration-tests/target"
export SYSD_NSPAWN_ARGS="--bind-ro=$repo --bind=$repo/integration-tests/target --bind-ro=$m2 ${SYSD_NSPAWN_ARGS:-}"
# berth-viewfs in the guest: /dev/fuse, jnr-fuse's libfuse.so.2 lent by the host (the same Debian release, so
# the cached guest needs no rebuild for it), and the calls its helpers make that nspawn's filter denies:
# the remount helper's new mount API, the keeper's pidfd_getfd.
if [ -c /dev/fuse ] && [ -e /usr/lib/x86_64-linux-gnu/libfuse.so.2 ]; then
  SYSD_NSPAWN_ARGS="$SYSD_NSPAWN_ARGS --bind=/dev/fuse \
    --bind-ro=$(realpath /usr/lib/x86_64-linux-gnu/libfuse.so.2):/usr/lib/x86_64-linux-gnu/libfuse.so.2 \
    --system-call-filter=open_tree --system-call-filter=move_mount --system-call-filter=mount_setattr \
    --system-call-filter=pidfd_getfd"
fi
printf '%s\n' "$classpath" > "$scratch/classpath"
printf '%s\n' "$repo" > "$scratch/repo"
rc=0
bash "$here/sysd-env.sh" nspawn v1 "$scratch" \
  'BERTH_SYSTEMD_GUEST=1 java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Dberth.repo="$(cat /src/repo)" \
     -cp "$(cat /src/classpath)" '"$main_class" || rc=$?
exit $rc
