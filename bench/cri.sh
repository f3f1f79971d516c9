#!/usr/bin/env bash
# CRI side by side: Berth's CRI vs containerd 1.6's CRI plugin, both driven by the same Java CRI client
# (dev.berth.bench.CriBench) over their unix sockets, in one run: pod and container full cycles, cold image pulls
# from a local registry, 100 pods started 2 at a time. Usage: bench/cri.sh [iterations, default 30].
# Needs root, a built tree (mvn -pl integration-tests -am package -DskipTests, make -C shim/c, the built-in image
# in build/images/busybox), containerd, docker-registry, skopeo, umoci, containernetworking-plugins.
# Each runtime is isolated (own root, state, socket, CNI bridge and subnet, cgroup parent); everything is removed
# on exit, also on failure. Raw figures and logs: build/bench/cri/. CRI_WARMUP (3) and CRI_PODS (100) shrink a
# smoke run: CRI_WARMUP=1 CRI_PODS=6 bench/cri.sh 3. CRI_BERTH_LOG_LEVEL=debug timestamps each step in berthd.log.
set -euo pipefail
iterations=${1:-30}
repo=$(cd "$(dirname "$0")/.." && pwd)
out=$repo/build/bench/cri
rm -rf "$out"; mkdir -p "$out"
# Short: berth's shim sockets (RUN_ROOT/shims/<id prefix>/shim.sock) must fit in 107 bytes.
work=$(mktemp -d /tmp/bcri.XXXXXX)
suffix=$(basename "$work" | cut -d. -f2 | tr 'A-Z' 'a-z')
classpath="$repo/integration-tests/target/test-classes:$repo/daemon/target/lib/*"
for f in "$repo/integration-tests/target/test-classes/dev/berth/bench/CriBench.class" "$repo/shim/c/berth-shim" \
  "$repo/shim/c/berth-pause" "$repo/build/images/busybox/index.json"; do
  [ -e "$f" ] || { echo "missing $f: build the tree first (see the header of $0)" >&2; exit 1; }
done
for c in containerd docker-registry skopeo umoci /usr/lib/cni/bridge; do
  command -v "$c" >/dev/null || { echo "missing $c (make bench-deps)" >&2; exit 1; }
done

# One bridge and one /24 each, on names and subnets nothing on this host uses.
while :; do
  third=$((RANDOM % 240 + 10))
  [ -z "$(ip -4 route show "10.246.$third.0/24")$(ip -4 route show "10.247.$third.0/24")" ] && break
done
berth_bridge=cbb$suffix berth_subnet=10.246.$third
ctd_bridge=cbc$suffix ctd_subnet=10.247.$third
berth_cgroup=cribench-berth-$suffix ctd_cgroup=/cribench-ctd-$suffix
berth_sock=$work/b/run/cri.sock ctd_sock=$work/c/containerd.sock
targets=(--target "berth,$berth_sock,$berth_cgroup" --target "containerd,$ctd_sock,$ctd_cgroup")
# The daemons run in their own sessions: a Ctrl-C reaches only this script and the client, and the clean-up can
# still ask each runtime to remove its pods.
pids=()

cleanup() {
  set +e
  # Pods first, through each runtime itself (CNI DEL, netns, cgroups), while the daemons still run.
  java -cp "$classpath" dev.berth.bench.CriBench --cleanup "${targets[@]}" --logs "$work/logs" >>"$out/cleanup.log" 2>&1
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null
  done
  # What a failed run may leave: containerd's shims (they outlive containerd), containers in both runc roots,
  # berth's shims, mounts (overlays, shm, pinned netns), bridges, cgroups.
  for d in /proc/[0-9]*; do
    grep -qaF -- "$ctd_sock" "$d/cmdline" 2>/dev/null && kill -9 "${d#/proc/}" 2>/dev/null
  done
  for root in "$work/c/runc/k8s.io" "$work/b/run/runc"; do
    for id in $(ls "$root" 2>/dev/null); do runc --root "$root" delete -f "$id" >/dev/null 2>&1; done
  done
  for f in "$work"/b/run/shims/*/shim.pid; do [ -f "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null; done
  for m in $(awk -v w="$work" '$5 ~ "^"w {print $5}' /proc/self/mountinfo | sort -r); do umount -l "$m"; done
  # containerd's shims made /run/containerd/s (their sockets, removed as they exit); only empty dirs go.
  rmdir /run/containerd/s /run/containerd 2>/dev/null
  ip link del "$berth_bridge" 2>/dev/null; ip link del "$ctd_bridge" 2>/dev/null
  for h in /sys/fs/cgroup/*/; do
    for g in "$berth_cgroup" "${ctd_cgroup#/}"; do
      [ -d "$h$g" ] && find "$h$g" -depth -type d -exec rmdir {} \; 2>/dev/null
    done
  done
  # The CNI plugins must leave no rule behind (portmap's DEL only deletes); report it rather than guess.
  left=$(iptables-save 2>/dev/null | grep -e "$berth_subnet\.\|$ctd_subnet\.\|$berth_bridge\|$ctd_bridge")
  [ -n "$left" ] && printf 'WARNING: iptables rules of this run are left:\n%s\n' "$left" >&2
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
. "$repo/bench/lib.sh"
conflist() { # name bridge subnet-prefix ipam-dir: the same bridge + portmap chain for both runtimes
  cat <<JSON
{"cniVersion": "1.0.0", "name": "$1", "plugins": [
  {"type": "bridge", "bridge": "$2", "isGateway": true, "ipMasq": false, "hairpinMode": true,
   "ipam": {"type": "host-local", "ranges": [[{"subnet": "$3.0/24"}]], "dataDir": "$4"}},
  {"type": "portmap", "capabilities": {"portMappings": true}}]}
JSON
}

echo "== registry and images"
port=$(free_port)
reg=127.0.0.1:$port
start_registry "$reg" "$work" "$out/registry.log"
echo '{"default":[{"type":"insecureAcceptAnything"}]}' >"$work/policy.json"
push() { skopeo --policy "$work/policy.json" copy -q --dest-tls-verify=false "oci:$1" "docker://$reg/$2"; }
# The containers' image: the files of Berth's built-in busybox (Debian's busybox-static) plus a file unique to
# this run, in one layer of its own. A layer shared with the built-in image would already be in berthd's store
# and make its pulls warm.
umoci unpack --image "$repo/build/images/busybox:latest" "$work/busybox-bundle" >/dev/null
umoci init --layout "$work/busybox"
umoci new --image "$work/busybox:v1"
umoci unpack --image "$work/busybox:v1" "$work/bench-bundle" >/dev/null
cp -a "$work/busybox-bundle/rootfs/." "$work/bench-bundle/rootfs/"
echo "cribench $suffix $(date +%s%N)" >"$work/bench-bundle/rootfs/cribench"
umoci repack --image "$work/busybox:v1" "$work/bench-bundle"
umoci config --image "$work/busybox:v1" --config.cmd sleep --config.cmd 3600 --config.env PATH=/bin:/usr/bin:/sbin
push "$work/busybox:v1" bench/busybox:v1
image=$reg/bench/busybox:v1
# containerd's sandbox image: the one file berth-pause, the same init Berth's pods run.
umoci init --layout "$work/pause"
umoci new --image "$work/pause:v1"
umoci unpack --image "$work/pause:v1" "$work/pause-bundle" >/dev/null
install -m 0755 "$repo/shim/c/berth-pause" "$work/pause-bundle/rootfs/pause"
umoci repack --image "$work/pause:v1" "$work/pause-bundle"
umoci config --image "$work/pause:v1" --config.entrypoint /pause
push "$work/pause:v1" bench/pause:v1

echo "== berthd"
mkdir -p "$work/b/cni" "$work/b/run"
conflist "cribench-berth" "$berth_bridge" "$berth_subnet" "$work/b/ipam" >"$work/b/cni/10-bench.conflist"
cat >"$work/b/berth.toml" <<TOML
shim_path = "$repo/shim/c/berth-shim"
runtime = "/usr/sbin/runc"
builtin_image = "$repo/build/images/busybox"
cgroup_parent = "$berth_cgroup"
cni_conf_dir = "$work/b/cni"
log_level = "${CRI_BERTH_LOG_LEVEL:-info}"
TOML
BERTH_DAEMON_LIB=$repo/daemon/target/lib setsid "$repo/daemon/src/main/sh/berthd" --config "$work/b/berth.toml" \
  --root "$work/b/root" --run-root "$work/b/run" --socket "$work/b/run/berth.sock" >"$out/berthd.log" 2>&1 &
pids+=($!)
wait_for 60 test -S "$berth_sock"

echo "== containerd $(containerd --version | awk '{print $3}')"
mkdir -p "$work/c/cni" "$work/c/certs.d/$reg"
conflist "cribench-ctd" "$ctd_bridge" "$ctd_subnet" "$work/c/ipam" >"$work/c/cni/10-bench.conflist"
cat >"$work/c/certs.d/$reg/hosts.toml" <<TOML
server = "http://$reg"
[host."http://$reg"]
  capabilities = ["pull", "resolve"]
TOML
cat >"$work/c/containerd.toml" <<TOML
version = 2
root = "$work/c/root"
state = "$work/c/state"
[grpc]
  address = "$ctd_sock"
[ttrpc]
  address = "$ctd_sock.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$work/c/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$reg/bench/pause:v1"
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "/usr/sbin/runc"
        Root = "$work/c/runc"
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$work/c/cni"
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "$work/c/certs.d"
TOML
setsid containerd --config "$work/c/containerd.toml" >"$out/containerd.log" 2>&1 &
pids+=($!)
wait_for 30 test -S "$ctd_sock"

warmup=${CRI_WARMUP:-3} pods=${CRI_PODS:-100}
echo "== CriBench: $iterations iterations ($warmup warm-up) per cycle and pull, $pods pods 2 at a time"
java -cp "$classpath" dev.berth.bench.CriBench "${targets[@]}" --image "$image" --logs "$work/logs" \
  --out "$out" --iterations "$iterations" --pull-iterations "$iterations" --warmup "$warmup" --pods "$pods" \
  --parallel 2 \
  | tee "$out/cribench.log"
