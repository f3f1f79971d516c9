#!/bin/bash
# Runs the cgroup v2 smoke suite (dev.berth.it.v2.CgroupV2Smoke) inside a QEMU guest with systemd as
# PID 1 and a unified cgroup2 hierarchy with real controllers (sysd-env.sh "vm v2"; software
# emulation, 30-50x slower than the host). The VM image is built once (the nspawn guest's rootfs,
# debootstrapped by run-in-nspawn.sh if not there yet, plus a kernel, in an ext4 image) and cached
# in $BERTH_SYSD_VM_DIR (default /var/tmp/berth-sysd/vm); each run boots a
# snapshot of it, so the image stays pristine.
#
#   run-in-vm.sh CLASSPATH RECORD_DIR
#
# BERTH_V2_BERTHD=true adds the berthd step (the daemon, shim and CLI in the guest: about 10 more
# minutes; needs `make shim` and the built-in image).
#
# CLASSPATH is the test classpath; the guest sees the repository and ~/.m2 read-only at the same
# paths (9p), so every entry must lie under one of them. The v2 cgroup files the suite records end
# up in RECORD_DIR. Exit code: the guest's (0 = all steps passed); 77 = no guest can be built or
# booted here (reason on stderr); 124/125 = the guest timed out or gave no result.
set -euo pipefail
here=$(dirname "$(realpath "$0")")
repo=$(realpath "$here/../../../../..")
m2=$(realpath "${HOME:-/root}/.m2")
classpath=${1:?usage: run-in-vm.sh CLASSPATH RECORD_DIR}
record=${2:?usage: run-in-vm.sh CLASSPATH RECORD_DIR}
export SYSD_DIR=${BERTH_SYSD_VM_DIR:-/var/tmp/berth-sysd/vm}
export SYSD_EXTRA_PACKAGES=openjdk-17-jre-headless
export SYSD_TIMEOUT=${SYSD_TIMEOUT:-1200}
# 2 vCPUs: the views step tells a 1.5-CPU quota (2 CPUs shown) from a 0.5-CPU one (1 shown)
export SYSD_VM_SMP=2
log() { echo "[run-in-vm $(date +%T)] $*" >&2; }

. "$here/guest-common.sh"
require_visible_classpath "$classpath"
# the VM's root is the nspawn guest's rootfs plus a kernel: one debootstrap serves both
build_vm_image() {
  bash "$here/run-in-nspawn.sh" --build-only &&
    SYSD_BASE_ROOTFS=${BERTH_SYSD_DIR:-/var/tmp/berth-sysd/env}/rootfs bash "$here/sysd-env.sh" build vm
}
build_once "$SYSD_DIR/vm.img" "the v2 VM image" build_vm_image
command -v qemu-system-x86_64 > /dev/null || { echo "qemu-system-x86_64 is not installed" >&2; exit 77; }

scratch=$(mktemp -d "$SYSD_DIR-run.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
share() {  # $1 = tag, $2 = host directory, $3 = ",readonly=on" or nothing: a 9p export
  echo "-fsdev local,id=$1,path=$2,security_model=none${3:-} -device virtio-9p-pci,fsdev=$1,mount_tag=$1"
}
# the repository read-only, but its integration-tests/target writable: berthd's logs go there
mkdir -p "$repo/integration-tests/target"
export SYSD_QEMU_ARGS="$(share berthrepo "$repo" ,readonly=on) $(share berthm2 "$m2" ,readonly=on) \
  $(share berthtarget "$repo/integration-tests/target") ${SYSD_QEMU_ARGS:-}"
printf '%s\n' "$classpath" > "$scratch/classpath"
printf '%s\n' "$repo" > "$scratch/repo"
printf '%s\n' "$m2" > "$scratch/m2"
printf '%s\n' "${BERTH_V2_BERTHD:-false}" > "$scratch/berthd"
mkdir "$scratch/record"
rc=0
# cache=loose: the exports do not change while the guest runs, and the JVM reads its jars many times
bash "$here/sysd-env.sh" vm v2 "$scratch" '
  set -e
  opts=trans=virtio,version=9p2000.L,msize=524288,ro,cache=loose
  mkdir -p "$(cat /src/repo)" "$(cat /src/m2)"
  mount -t 9p -o $opts berthrepo "$(cat /src/repo)"
  mount -t 9p -o $opts berthm2 "$(cat /src/m2)"
  mount -t 9p -o trans=virtio,version=9p2000.L,msize=524288,cache=none berthtarget "$(cat /src/repo)/integration-tests/target"
  echo "=== guest up $(cut -d" " -f1 /proc/uptime) s after boot, $(nproc) CPUs"
  BERTH_V2_GUEST=1 java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto -XX:-UsePerfData \
    -Dberth.repo="$(cat /src/repo)" -Dberth.it.daemonStartSeconds=600 -Dberth.it.v2.berthd="$(cat /src/berthd)" \
    -cp "$(cat /src/classpath)" dev.berth.it.v2.CgroupV2Smoke /src/record' || rc=$?
rm -rf "$record"
mkdir -p "$(dirname "$record")"
cp -r "$scratch/record" "$record"
exit $rc
