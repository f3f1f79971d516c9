#!/bin/bash
# Vendored from the team's shared tools (sysd-env.sh), unchanged below this note, so that the
# project's systemd tests carry their own harness (issue 5).
# sysd-env.sh: a throw-away Debian bookworm "host" with systemd as PID 1, for integration
# tests of a container runtime daemon that uses the systemd cgroup driver (D-Bus
# StartTransientUnit), cgroup v1 and v2, and runs itself as a systemd unit.
# Works on a root VM whose PID 1 is not systemd and whose cgroups are v1/hybrid.
#
#   sysd-env.sh build [nspawn|vm|all]          build the environment(s) from nothing
#   sysd-env.sh nspawn [v1|v2|legacy] DIR CMD  boot it in systemd-nspawn, run CMD
#   sysd-env.sh vm [v2|v1] DIR CMD             boot it in QEMU (software emulation), run CMD
#
# DIR is bind-mounted (nspawn) or 9p-shared (vm) read-write at /src in the guest; CMD runs
# there with bash, as root, in a systemd service once the guest has booted (system state
# "running"/"degraded"), then the guest powers off. The exit code of CMD is this script's.
# 124 = timed out, 125 = no result from the guest (did not boot, crashed).
#
# nspawn (seconds to boot, native speed):
#   v1     (default) guest sees the host's hybrid layout: cgroup v1 controllers cpu,
#          cpuacct, cpuset, memory, pids, blkio, devices, freezer, made writable for the
#          guest's systemd (and for runc) inside a sub-cgroup of the host's.
#   legacy the same without the cgroup2 mount (pure v1).
#   v2     guest sees only a unified cgroup2 hierarchy, but WITHOUT controllers (the host
#          binds all of them to v1): systemd scopes, Delegate=, eBPF device filters work;
#          any memory/pids/cpu/io limit fails (e.g. runc: "openat2 .../pids.max: no such
#          file or directory"). Use "vm v2" for real cgroup v2 resource control.
# vm (QEMU TCG, ~30x slower than native; KVM on this host is PVM and cannot run a stock
#   kernel, set SYSD_ACCEL=kvm to try anyway):
#   v2     (default) Debian's kernel and systemd's default: unified hierarchy with
#          controllers cpuset cpu io memory hugetlb pids rdma misc.
#   v1     systemd.unified_cgroup_hierarchy=0 on the kernel command line.
#
# Environment: SYSD_DIR (default ${TMPDIR:-/tmp}/sysd-env), SYSD_MIRROR (default: the
# host's own Debian mirror, read from its apt sources), SYSD_EXTRA_PACKAGES (comma separated Debian packages for
# the guest, e.g. openjdk-17-jre-headless), SYSD_TIMEOUT (seconds, default 3600),
# SYSD_BASE_ROOTFS (`build vm` from this already built rootfs instead of a new debootstrap),
# SYSD_VM_MEM (MiB, default 2048), SYSD_VM_SMP (default: number of host CPUs),
# SYSD_ACCEL (tcg|kvm, default tcg), SYSD_NSPAWN_ARGS / SYSD_QEMU_ARGS (extra arguments,
# word-split, e.g. SYSD_NSPAWN_ARGS=--bind-ro=/root/.m2).
set -euo pipefail

SYSD_DIR=${SYSD_DIR:-${TMPDIR:-/tmp}/sysd-env}
host_mirror() {  # the first Debian archive URI of the host's apt sources (deb822 or one-line format)
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] && awk '/^URIs:/ {print $2}' "$f"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] && awk '$1 == "deb" {print $2}' "$f"
  done
  return 0
}
SYSD_MIRROR=${SYSD_MIRROR:-$(host_mirror | grep -v -e -security -e backports | head -n 1)}
SYSD_SUITE=bookworm
SYSD_TIMEOUT=${SYSD_TIMEOUT:-3600}
BASE_PKGS=systemd,systemd-sysv,dbus,libpam-systemd,runc,busybox-static,iproute2,procps,kmod
log() { echo "[sysd-env $(date +%T)] $*" >&2; }

# ---------------------------------------------------------------- files put in the guest
write_guest_files() {  # $1 = rootfs
  local r=$1
  mkdir -p "$r/sysd" "$r/src" "$r/usr/local/sbin" "$r/etc/systemd/system/multi-user.target.wants"
  cat > "$r/usr/local/sbin/sysd-run-test" <<'EOF'
#!/bin/bash
# Runs /sysd/cmd once boot is over; output to the console and /sysd/out.log,
# exit code to /sysd/rc; then powers the guest off.
exec > >(tee /sysd/out.log > /dev/console) 2>&1
echo "=== sysd: system state: $(systemctl is-system-running --wait 2>&1)"
systemctl --failed --no-legend --plain | sed 's/^/=== sysd: failed unit: /'
rc=0
cd /src && bash /sysd/cmd || rc=$?
echo "=== sysd: exit code $rc"
echo "$rc" > /sysd/rc.tmp && mv /sysd/rc.tmp /sysd/rc
sync
systemctl --no-block poweroff
EOF
  chmod 755 "$r/usr/local/sbin/sysd-run-test"
  cat > "$r/etc/systemd/system/sysd-test.service" <<'EOF'
[Unit]
Description=Run the host-supplied test command, then power off
After=multi-user.target
RequiresMountsFor=/sysd /src

[Service]
# Type=exec (not oneshot) so that boot completes and is-system-running --wait returns
Type=exec
ExecStart=/usr/local/sbin/sysd-run-test
StandardOutput=journal+console
StandardError=journal+console
TimeoutStartSec=infinity

[Install]
WantedBy=multi-user.target
EOF
  ln -sf /etc/systemd/system/sysd-test.service "$r/etc/systemd/system/multi-user.target.wants/sysd-test.service"
  # PID 1 wrapper for nspawn: nspawn mounts the v1 controller hierarchies read-only, so
  # neither the guest's systemd nor runc could create cgroups in them. The host puts the
  # container into its own sub-cgroup of every hierarchy (cgroup namespace root), so making
  # the mounts writable only exposes that subtree.
  cat > "$r/usr/local/sbin/sysd-preinit" <<'EOF'
#!/bin/sh
if [ "$(stat -fc %T /sys/fs/cgroup)" = tmpfs ]; then
  for m in /sys/fs/cgroup/*; do
    [ -L "$m" ] && continue
    mountpoint -q "$m" && mount -o remount,bind,rw "$m"
  done
fi
exec /lib/systemd/systemd "$@"
EOF
  chmod 755 "$r/usr/local/sbin/sysd-preinit"
  # quieter, faster boot: nothing periodic, no login prompts
  local u
  for u in apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer \
           e2scrub_reap.service systemd-tmpfiles-clean.timer getty.target console-getty.service; do
    ln -sf /dev/null "$r/etc/systemd/system/$u"
  done
  echo sysd-guest > "$r/etc/hostname"
}

chroot_run() {  # $1 = rootfs, rest = command; in a private mount namespace
  local r=$1; shift
  unshare -m --propagation private sh -c '
    r=$1; shift
    mount -t proc proc "$r/proc" && mount --rbind /dev "$r/dev" && mount -t sysfs sys "$r/sys" &&
    chroot "$r" /usr/bin/env DEBIAN_FRONTEND=noninteractive "$@"' sh "$r" "$@"
}

# ------------------------------------------------------------------------------- build
build_base() {
  local pkgs=$BASE_PKGS
  [ -n "${SYSD_EXTRA_PACKAGES:-}" ] && pkgs="$pkgs,$SYSD_EXTRA_PACKAGES"
  rm -rf "$SYSD_DIR/rootfs.tmp"
  log "debootstrap $SYSD_SUITE (minbase + $pkgs)"
  debootstrap --variant=minbase --include="$pkgs" "$SYSD_SUITE" "$SYSD_DIR/rootfs.tmp" "$SYSD_MIRROR" \
    > "$SYSD_DIR/debootstrap.log" 2>&1 || { tail -30 "$SYSD_DIR/debootstrap.log" >&2; return 1; }
  write_guest_files "$SYSD_DIR/rootfs.tmp"
  chroot_run "$SYSD_DIR/rootfs.tmp" apt-get clean
  rm -rf "$SYSD_DIR/rootfs"; mv "$SYSD_DIR/rootfs.tmp" "$SYSD_DIR/rootfs"
}

build_vm() {
  local r=$SYSD_DIR/rootfs-vm
  rm -rf "$r"; cp -a "${SYSD_BASE_ROOTFS:-$SYSD_DIR/rootfs}" "$r"
  # small initramfs: only what it takes to mount the root disk (MODULES=list)
  mkdir -p "$r/etc/initramfs-tools/conf.d" "$r/usr/share/initramfs-tools/modules.d"
  echo MODULES=list > "$r/etc/initramfs-tools/conf.d/sysd"
  printf '%s\n' virtio_pci virtio_blk ext4 9p 9pnet_virtio > "$r/usr/share/initramfs-tools/modules.d/sysd"
  log "installing linux-image-amd64 in the VM rootfs"
  chroot_run "$r" apt-get install -y -q --no-install-recommends linux-image-amd64 initramfs-tools zstd \
    > "$SYSD_DIR/kernel.log" 2>&1 || { tail -30 "$SYSD_DIR/kernel.log" >&2; return 1; }
  chroot_run "$r" apt-get clean
  cat > "$r/etc/fstab" <<'EOF'
/dev/vda  /      ext4  rw,noatime,errors=remount-ro  0 1
sysd      /sysd  9p    trans=virtio,version=9p2000.L,msize=524288,cache=none  0 0
src       /src   9p    trans=virtio,version=9p2000.L,msize=524288,cache=none  0 0
EOF
  echo sysd-vm > "$r/etc/hostname"
  cp "$r"/boot/vmlinuz-* "$SYSD_DIR/vmlinuz"; cp "$r"/boot/initrd.img-* "$SYSD_DIR/initrd.img"
  local size_mb=$(( $(du -sm "$r" | cut -f1) + 1024 ))
  rm -f "$SYSD_DIR/vm.img"; truncate -s "${size_mb}M" "$SYSD_DIR/vm.img"
  mkfs.ext4 -q -F -L sysdroot -d "$r" "$SYSD_DIR/vm.img"
  rm -rf "$r"
}

cmd_build() {
  local what=${1:-all} pkgs="debootstrap systemd-container e2fsprogs"
  [ "$what" = nspawn ] || pkgs="$pkgs qemu-system-x86"
  mkdir -p "$SYSD_DIR"
  # shellcheck disable=SC2086
  if ! dpkg -s $pkgs > /dev/null 2>&1; then
    log "apt-get install $pkgs"
    apt-get update -qq && apt-get install -y -q --no-install-recommends $pkgs > "$SYSD_DIR/apt.log" 2>&1
  fi
  if [ -n "${SYSD_BASE_ROOTFS:-}" ] && [ "$what" = vm ]; then
    log "VM from the existing rootfs $SYSD_BASE_ROOTFS (no debootstrap)"
  else
    build_base
  fi
  case $what in nspawn) ;; vm|all) build_vm ;; *) echo "build: nspawn|vm|all" >&2; return 2 ;; esac
  log "built:$( [ -d "$SYSD_DIR/rootfs" ] && echo " $(du -sh "$SYSD_DIR"/rootfs | cut -f1) rootfs")$( [ -f "$SYSD_DIR/vm.img" ] && echo " vm.img $(du -sh "$SYSD_DIR/vm.img" | cut -f1) used of $(du -sh --apparent-size "$SYSD_DIR/vm.img" | cut -f1)")"
}

# ------------------------------------------------------------------------- run helpers
new_run_dir() {  # prepares $RUN/share with the command; $1 = command
  RUN=$(mktemp -d "$SYSD_DIR/run.XXXXXX")
  mkdir -p "$RUN/share"
  printf '%s\n' "$1" > "$RUN/share/cmd"
}
result() {  # $1 = exit status of the nspawn/qemu process
  local rc
  if [ -f "$RUN/share/rc" ]; then rc=$(cat "$RUN/share/rc")
  elif [ "$1" = 124 ]; then log "timed out after ${SYSD_TIMEOUT}s"; rc=124
  else log "no result from the guest (exit $1)"; rc=125; fi
  rm -rf "$RUN"
  return "$rc"
}

# cgroups for the nspawn container: a sub-cgroup of the caller's cgroup in every hierarchy
cg_dirs() {
  local hid ctrls path mp
  while IFS=: read -r hid ctrls path; do
    if [ "$hid" = 0 ]; then mp=$(awk '$3=="cgroup2"{print $2; exit}' /proc/self/mounts)
    else mp=$(awk -v c="$ctrls" '$3=="cgroup"{n=split($4,o,","); for(i=1;i<=n;i++) if(o[i]==c){print $2; exit}}' /proc/self/mounts); fi
    [ -n "$mp" ] && echo "$mp${path%/}/$1"
  done < /proc/self/cgroup
}
cg_enter() {  # moves the calling (sub)shell into the sub-cgroups named $1
  local d
  for d in $(cg_dirs "$1"); do
    mkdir -p "$d"
    if [ -f "$d/cpuset.cpus" ] && [ -z "$(cat "$d/cpuset.cpus")" ]; then
      cat "${d%/*}/cpuset.cpus" > "$d/cpuset.cpus"; cat "${d%/*}/cpuset.mems" > "$d/cpuset.mems"
    fi
    echo "$BASHPID" > "$d/cgroup.procs"
  done
}
cg_remove() {  # kills what is left in the sub-cgroups $1 (only after a timeout), removes them
  local d pids i
  for i in 1 2 3 4 5; do
    pids=$(for d in $(cg_dirs "$1"); do [ -d "$d" ] && find "$d" -name cgroup.procs -exec cat {} +; done | sort -u)
    [ -z "$pids" ] && break
    log "killing leftover guest processes: $(echo $pids | wc -w)"
    # shellcheck disable=SC2086
    kill -KILL $pids 2> /dev/null || true
    sleep 1
  done
  for d in $(cg_dirs "$1"); do
    [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2> /dev/null
    [ -d "$d" ] && log "warning: could not remove cgroup $d"
  done
  return 0
}

# ---------------------------------------------------------------------------- nspawn
cmd_nspawn() {
  local mode=$1 dir=$2 cmd=$3 name rc=0
  [ -d "$SYSD_DIR/rootfs" ] || { echo "run '$0 build nspawn' first" >&2; return 2; }
  new_run_dir "$cmd"
  name=sysd-$$-$RANDOM
  local -a env=()
  case $mode in
    v1) ;;                                              # host layout: hybrid
    legacy) env=(SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=0) ;;
    v2) env=(SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1) ;;
    *) echo "nspawn mode: v1|legacy|v2" >&2; return 2 ;;
  esac
  log "booting nspawn guest $name (cgroup $mode)"
  (
    cg_enter "$name"
    # --volatile=overlay: rootfs stays pristine, writes go to a tmpfs.
    # @keyring, bpf: runc needs keyctl (session keyring) and bpf (cgroup v2 device filter),
    # which nspawn's default seccomp filter denies.
    exec env "${env[@]}" timeout --kill-after=30 "$SYSD_TIMEOUT" systemd-nspawn --quiet \
      --directory="$SYSD_DIR/rootfs" --volatile=overlay --machine="$name" \
      --register=no --keep-unit --private-network --link-journal=no \
      --system-call-filter='@keyring bpf' --kill-signal=SIGRTMIN+3 \
      --bind="$RUN/share:/sysd" --bind="$(realpath "$dir"):/src" \
      --console=read-only ${SYSD_NSPAWN_ARGS:-} \
      /usr/local/sbin/sysd-preinit systemd.show_status=false < /dev/null
  ) || rc=$?
  cg_remove "$name"
  rm -rf "/run/systemd/nspawn/propagate/$name" 2> /dev/null || true
  result "$rc"
}

# -------------------------------------------------------------------------------- vm
cmd_vm() {
  local mode=$1 dir=$2 cmd=$3 rc=0 cg accel=${SYSD_ACCEL:-tcg}
  [ -f "$SYSD_DIR/vm.img" ] || { echo "run '$0 build vm' first" >&2; return 2; }
  case $mode in
    v2) cg="systemd.unified_cgroup_hierarchy=1" ;;
    v1) cg="systemd.unified_cgroup_hierarchy=0" ;;
    *) echo "vm mode: v2|v1" >&2; return 2 ;;
  esac
  [ "$accel" = tcg ] && accel=tcg,thread=multi
  new_run_dir "$cmd"
  log "booting QEMU guest (accel $accel, cgroup $mode)"
  # snapshot=on: writes to the root disk are discarded, every run starts from the same image.
  # No network device at all: the guest needs none and sends nothing.
  timeout --kill-after=30 "$SYSD_TIMEOUT" qemu-system-x86_64 \
    -accel "$accel" -machine pc -cpu max -smp "${SYSD_VM_SMP:-$(nproc)}" -m "${SYSD_VM_MEM:-2048}" \
    -nographic -nodefaults -no-reboot -serial stdio -nic none \
    -kernel "$SYSD_DIR/vmlinuz" -initrd "$SYSD_DIR/initrd.img" \
    -append "root=/dev/vda rw console=ttyS0 panic=-1 quiet loglevel=3 mitigations=off systemd.show_status=false $cg" \
    -drive "file=$SYSD_DIR/vm.img,format=raw,if=virtio,snapshot=on" \
    -fsdev "local,id=sysd,path=$RUN/share,security_model=none" -device virtio-9p-pci,fsdev=sysd,mount_tag=sysd \
    -fsdev "local,id=src,path=$(realpath "$dir"),security_model=none" -device virtio-9p-pci,fsdev=src,mount_tag=src \
    ${SYSD_QEMU_ARGS:-} < /dev/null || rc=$?
  result "$rc"
}

case ${1:-} in
  build) shift; cmd_build "$@" ;;
  nspawn|vm)
    kind=$1; shift
    mode=$( [ "$kind" = nspawn ] && echo v1 || echo v2 )
    case ${1:-} in v1|v2|legacy) mode=$1; shift ;; esac
    [ $# -eq 2 ] || { echo "usage: $0 $kind [MODE] DIR CMD" >&2; exit 2; }
    "cmd_$kind" "$mode" "$1" "$2" ;;
  *) sed -n '2,40p' "$0" >&2; exit 2 ;;
esac
