#!/usr/bin/env bash
# Cold pulls of a ~50 MB, 6-layer image and of a ~27 MB, 10-layer image from a local docker-registry: Berth vs
# skopeo vs podman vs ctr, in one run. Usage: bench/pull.sh [runs, default 10]. Needs root, a built tree (make
# build), docker-registry, skopeo, umoci, podman, hyperfine; containerd/ctr optional (skipped with the reason).
# BERTH_BASELINE_LIB=DIR (another build's daemon/target/lib) adds a second berthd running that build: its pulls
# and `berth run --rm busybox true` against each berthd join the same run (before/after a change).
# Raw figures: build/bench/pull/.
set -euo pipefail
runs=${1:-10}
repo=$(cd "$(dirname "$0")/.." && pwd)
out=$repo/build/bench/pull
rm -rf "$out"; mkdir -p "$out"
work=$(mktemp -d /tmp/berth-pull.XXXXXX)
pids=()
cleanup() {
  set +e
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null
  done
  [ -d "$work/podman-root" ] && podman "${podman_opts[@]}" rmi -af >/dev/null 2>&1
  for m in $(awk -v w="$work" '$5 ~ "^"w {print $5}' /proc/self/mountinfo | sort -r); do umount -l "$m"; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
. "$repo/bench/lib.sh"
port=$(free_port)
reg=127.0.0.1:$port
ref=$reg/big:v1
ref10=$reg/ten:v1
start_registry "$reg" "$work" "$out/registry.log"
echo '{"default":[{"type":"insecureAcceptAnything"}]}' >"$work/policy.json"

# build_image NAME REF LAYERS MIB: busybox + LAYERS layers of MIB MiB of random data each, pushed to REF.
build_image() {
  local name=$1 ref=$2 layers=$3 mib=$4
  echo "== image $ref: busybox + $layers layers of $mib MiB random data (built once)"
  cp -a "$repo/build/images/busybox" "$work/$name"
  for i in $(seq 1 "$layers"); do
    mkdir -p "$work/l$i/data"
    head -c "${mib}M" /dev/urandom >"$work/l$i/data/random-$i"
    tar -C "$work/l$i" -cf "$work/l$i.tar" data
    umoci raw add-layer --image "$work/$name:latest" "$work/l$i.tar"
    rm -rf "$work/l$i" "$work/l$i.tar"
  done
  skopeo --policy "$work/policy.json" copy -q --dest-tls-verify=false "oci:$work/$name:latest" "docker://$ref"
  skopeo --policy "$work/policy.json" inspect --raw --tls-verify=false "docker://$ref" >"$out/manifest-$name.json"
  python3 - "$out/manifest-$name.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
sizes = [l["size"] for l in m["layers"]]
print(f"{len(sizes)} layers, {sum(sizes) / 2**20:.1f} MiB compressed: {[round(s / 2**20, 1) for s in sizes]}")
PY
}
build_image big "$ref" 5 10
build_image ten "$ref10" 9 3

# Berth: an isolated berthd.
export BERTH_SOCKET=$work/run/berth.sock BERTH_LIB=$repo/cli/target/lib
bash "$repo/cli/src/main/sh/make-cds.sh" "$BERTH_LIB" >/dev/null
berth=$repo/cli/src/main/sh/berth
cat >"$work/berth.toml" <<TOML
shim_path = "$repo/shim/c/berth-shim"
runtime = "/usr/sbin/runc"
builtin_image = "$repo/build/images/busybox"
cgroup_parent = "berth-bench-pull"
TOML
BERTH_DAEMON_LIB=$repo/daemon/target/lib "$repo/daemon/src/main/sh/berthd" --config "$work/berth.toml" \
  --root "$work/berth-root" --run-root "$work/run" --socket "$BERTH_SOCKET" >"$out/berthd.log" 2>&1 &
pids+=($!)
wait_for 30 "$berth" version
# berth_clean REF [SOCKET]: the berthd's store emptied of REF and of what only it used.
berth_clean() { echo "BERTH_SOCKET=${2:-$BERTH_SOCKET} $berth rmi -f $1 >/dev/null 2>&1; BERTH_SOCKET=${2:-$BERTH_SOCKET} $berth image prune -a -f >/dev/null"; }
baseline_sock=""
if [ -n "${BERTH_BASELINE_LIB:-}" ]; then
  baseline_sock=$work/run-baseline/berth.sock
  BERTH_DAEMON_LIB=$BERTH_BASELINE_LIB "$repo/daemon/src/main/sh/berthd" --config "$work/berth.toml" \
    --root "$work/berth-root-baseline" --run-root "$work/run-baseline" --socket "$baseline_sock" \
    >"$out/berthd-baseline.log" 2>&1 &
  pids+=($!)
  BERTH_SOCKET=$baseline_sock wait_for 30 "$berth" version
fi

# podman: its own storage.
podman_opts=(--root "$work/podman-root" --runroot "$work/podman-run" --tmpdir "$work/podman-tmp")
podman_clean="podman ${podman_opts[*]} rmi -af >/dev/null 2>&1 || true"

# containerd: its own root, state and socket; no CRI (a pull needs none).
ctr_ok=""
sock=$work/containerd/containerd.sock
if command -v containerd >/dev/null && command -v ctr >/dev/null; then
  cat >"$work/containerd.toml" <<TOML
version = 2
root = "$work/containerd/root"
state = "$work/containerd/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$sock"
[ttrpc]
  address = "$sock.ttrpc"
TOML
  containerd --config "$work/containerd.toml" >"$out/containerd.log" 2>&1 &
  pids+=($!)
  if wait_for 20 ctr -a "$sock" version; then
    ctr_ok=1
  else
    echo "SKIP ctr: containerd did not start here (see $out/containerd.log)"
  fi
else
  echo "SKIP ctr: containerd/ctr not installed (apt-get install -y containerd)"
fi
ctr_clean() { echo "ctr -a $sock image rm --sync $1 >/dev/null 2>&1 || true"; }

# Before any pull: the clean-ups below prune the built-in busybox image too.
if [ -n "$baseline_sock" ]; then
  echo "== berth run --rm busybox true against each berthd ($((runs * 2)) runs each), load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  hyperfine --warmup 2 --runs $((runs * 2)) --export-json "$out/run.json" --export-markdown "$out/run.md" \
    -n "berth run (this build)" "$berth run --rm busybox true" \
    -n "berth run (baseline)" "BERTH_SOCKET=$baseline_sock $berth run --rm busybox true"
fi

# One pull and clean-up of each, to check that the clean-up leaves an empty store (what each run starts from).
"$berth" pull -q "$ref" >/dev/null; eval "$(berth_clean "$ref")"
podman "${podman_opts[@]}" pull -q --tls-verify=false "$ref" >/dev/null; eval "$podman_clean"
[ -n "$ctr_ok" ] && { ctr -a "$sock" image pull --plain-http "$ref" >/dev/null; eval "$(ctr_clean "$ref")"; }
{
  echo "after pull + clean-up:"
  echo "  berth: $(find "$work/berth-root/images/blobs" "$work/berth-root/images/layers" "$work/berth-root/images/tmp" -mindepth 1 -not -type d | wc -l) files in blobs/ layers/ tmp/"
  echo "  podman: $(podman "${podman_opts[@]}" images -q | wc -l) images, $(find "$work/podman-root/overlay" -mindepth 1 -maxdepth 1 -not -name l -not -name ".*" | wc -l) overlay layers"
  [ -n "$ctr_ok" ] && echo "  ctr: $(ctr -a "$sock" content ls -q | wc -l) blobs, $(ctr -a "$sock" snapshots ls | tail -n +2 | wc -l) snapshots"
} | tee "$out/empty-check.txt"

# bench_pull NAME REF: hyperfine of the cold pulls of REF, results in $out/pull-NAME.{json,md}.
bench_pull() {
  local name=$1 ref=$2
  local cmds=(-n "berth pull" --prepare "$(berth_clean "$ref")" "$berth pull $ref")
  [ -n "$baseline_sock" ] && cmds+=(-n "berth pull (baseline)" --prepare "$(berth_clean "$ref" "$baseline_sock")" \
    "BERTH_SOCKET=$baseline_sock $berth pull $ref")
  cmds+=(-n "skopeo copy (no unpack)" --prepare "rm -rf $work/skopeo-dir" \
       "skopeo --policy $work/policy.json copy -q --src-tls-verify=false docker://$ref oci:$work/skopeo-dir:v1"
    -n "podman pull" --prepare "$podman_clean" \
       "podman ${podman_opts[*]} pull -q --tls-verify=false $ref")
  [ -n "$ctr_ok" ] && cmds+=(-n "ctr image pull" --prepare "$(ctr_clean "$ref")" "ctr -a $sock image pull --plain-http $ref")
  echo "== cold pull of $ref ($runs runs each), load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  hyperfine --warmup 1 --runs "$runs" --export-json "$out/pull-$name.json" --export-markdown "$out/pull-$name.md" "${cmds[@]}"
}
bench_pull big "$ref"
bench_pull ten "$ref10"

echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
