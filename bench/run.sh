#!/usr/bin/env bash
# Side-by-side benchmarks of Berth and its peers on this machine, in one run (make bench).
# Writes the raw figures to build/bench/ and prints a summary for docs/benchmarks.md.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out=$repo/build/bench
rm -rf "$out"; mkdir -p "$out"
work=$(mktemp -d /tmp/berth-bench.XXXXXX)
cleanup() {
  set +e
  [ -n "${berthd_pid:-}" ] && { "$repo/cli/src/main/sh/berth" rm -f $("$repo/cli/src/main/sh/berth" ps -aq --no-trunc) >/dev/null 2>&1; kill "$berthd_pid"; wait "$berthd_pid"; }
  podman "${podman_opts[@]}" rm -af >/dev/null 2>&1
  for m in $(awk -v w="$work" '$5 ~ "^"w {print $5}' /proc/self/mountinfo | sort -r); do umount -l "$m"; done
  for id in $(ls "$work/runc-root" 2>/dev/null); do runc --root "$work/runc-root" delete -f "$id"; done
  rm -rf "$work"
}
trap cleanup EXIT

export BERTH_SOCKET=$work/berth.sock BERTH_LIB=$repo/cli/target/lib
# The CLI as installed: with its class-data archive (make install makes the same one).
bash "$repo/cli/src/main/sh/make-cds.sh" "$BERTH_LIB" >/dev/null
berth=$repo/cli/src/main/sh/berth
cat > "$work/berth.toml" <<TOML
shim_path = "$repo/shim/c/berth-shim"
runtime = "/usr/sbin/runc"
builtin_image = "$repo/build/images/busybox"
cgroup_parent = "berth-bench"
TOML
BERTH_DAEMON_LIB=$repo/daemon/target/lib "$repo/daemon/src/main/sh/berthd" --config "$work/berth.toml" --root "$work/root" --run-root "$work/run" \
  --socket "$BERTH_SOCKET" >"$out/berthd.log" 2>&1 &
berthd_pid=$!
for _ in $(seq 1 200); do [ -S "$BERTH_SOCKET" ] && "$berth" version >/dev/null 2>&1 && break; sleep 0.1; done

# Peers on the same image: podman from the OCI layout, raw runc on an unpacked bundle.
podman_opts=(--root "$work/podman-root" --runroot "$work/podman-run" --tmpdir "$work/podman-tmp"
  --runtime runc --cgroup-manager cgroupfs)
podman_run=(--network none --ulimit nofile=20000:20000 --ulimit nproc=32768:32768)
podman "${podman_opts[@]}" pull -q "oci:$repo/build/images/busybox:latest" >/dev/null
podman "${podman_opts[@]}" tag "$(podman "${podman_opts[@]}" images -q | head -1)" localhost/busybox:latest
mkdir -p "$work/bundle/rootfs" "$work/runc-root"
umoci raw unpack --image "$repo/build/images/busybox:latest" "$work/bundle/rootfs" 2>/dev/null \
  || { umoci unpack --image "$repo/build/images/busybox:latest" "$work/unpacked" >/dev/null && cp -a "$work/unpacked/rootfs/." "$work/bundle/rootfs/"; }
(cd "$work/bundle" && runc spec && sed -i 's/"terminal": true/"terminal": false/; s/"sh"/"true"/' config.json)

echo "== 1. run --rm IMAGE true: berth vs podman vs raw runc"
hyperfine -N --warmup 3 --runs 30 --export-json "$out/run.json" \
  -n "berth run --rm" "$berth run --rm busybox true" \
  -n "podman run --rm" "podman ${podman_opts[*]} run --rm ${podman_run[*]} localhost/busybox:latest true" \
  -n "runc run" "runc --root $work/runc-root run --bundle $work/bundle bench-runc"

echo "== 2. ps with 10 containers: berth vs podman"
for i in $(seq 1 10); do
  "$berth" run -d busybox sleep 1000 >/dev/null
  podman "${podman_opts[@]}" run -d "${podman_run[@]}" localhost/busybox:latest sleep 1000 >/dev/null
done
hyperfine -N --warmup 3 --runs 30 --export-json "$out/ps.json" \
  -n "berth ps" "$berth ps" -n "podman ps" "podman ${podman_opts[*]} ps"

echo "== 3. memory: shim vs conmon, daemon with 0 and 50 containers"
rss() { awk '/^Rss:/ {r+=$2} /^Pss:/ {p+=$2} END {printf "%d kB RSS, %d kB PSS", r, p}' "/proc/$1/smaps_rollup"; }
shim_pid=$(pgrep -f "berth-shim --id" | head -1)
conmon_pid=$(pgrep -x conmon | head -1)
{
  echo "berth-shim (one of 10): $(rss "$shim_pid")"
  echo "conmon (one of 10, podman's): $(rss "$conmon_pid")"
  echo "berthd with 10 containers: $(rss "$berthd_pid")"
} | tee "$out/memory.txt"
"$berth" rm -f $("$berth" ps -aq --no-trunc) >/dev/null
echo "berthd with 0 containers: $(rss "$berthd_pid")" | tee -a "$out/memory.txt"
for i in $(seq 1 50); do "$berth" run -d busybox sleep 1000 >/dev/null; done
echo "berthd with 50 containers: $(rss "$berthd_pid")" | tee -a "$out/memory.txt"
total_shim=0
for p in $(pgrep -f "berth-shim --id"); do total_shim=$((total_shim + $(awk '/^Pss:/ {print $2}' /proc/$p/smaps_rollup))); done
echo "50 berth-shims: $total_shim kB PSS in all" | tee -a "$out/memory.txt"
