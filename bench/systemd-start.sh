#!/usr/bin/env bash
# Container start latency under systemd (issue 5): berth with cgroup_manager = "systemd" vs "cgroupfs",
# side by side with raw `runc --systemd-cgroup run -d` vs `runc run -d` of one bundle. Runs in the
# throw-away nspawn guest of the systemd tests (systemd as PID 1, this host's cgroup v1 hybrid layout;
# built once by integration-tests/src/test/sh/systemd/run-in-nspawn.sh, cached in /var/tmp/berth-sysd),
# which sees this checkout read-only and the host's hyperfine. Needs the build, the shim and the built-in
# image (as bench/run.sh). Raw figures in build/bench/systemd-start-*.json; prints the table for
# docs/benchmarks.md. Goal: the systemd driver costs under 10 ms more per start.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out=$repo/build/bench
runs=${RUNS:-30}
# The two sides of each pair alternate in ROUNDS short hyperfine runs, so a change of load on the host
# falls on both sides alike.
rounds=${ROUNDS:-6}

if [ "${BERTH_SYSTEMD_GUEST:-}" != 1 ]; then
  export SYSD_DIR=${BERTH_SYSD_DIR:-/var/tmp/berth-sysd/env}
  [ -d "$SYSD_DIR/rootfs" ] || {
    echo "no systemd guest in $SYSD_DIR: run integration-tests' SystemdDriverIT once to build it" >&2; exit 2; }
  mkdir -p "$out"
  rm -f "$out"/systemd-start-*.json
  scratch=$(mktemp -d /tmp/berth-bench-sysd.XXXXXX)
  trap 'rm -rf "$scratch"' EXIT
  export SYSD_TIMEOUT=900
  export SYSD_NSPAWN_ARGS="--bind-ro=$repo --bind=$out --bind-ro=$(command -v hyperfine):/usr/local/bin/hyperfine"
  bash "$repo/integration-tests/src/test/sh/systemd/sysd-env.sh" nspawn v1 "$scratch" \
    "BERTH_SYSTEMD_GUEST=1 RUNS=$runs ROUNDS=$rounds bash $repo/bench/systemd-start.sh"
  python3 - "$out" <<'PY'
import glob, json, statistics, sys
rows = []
for pair in ("berth", "runc"):
    times = {}
    for path in sorted(glob.glob(f"{sys.argv[1]}/systemd-start-{pair}-*.json")):
        with open(path) as f:
            for r in json.load(f)["results"]:
                times.setdefault(r["command"], []).extend(r["times"])
    med = {name: statistics.median(t) * 1000 for name, t in times.items()}
    for name, ms in med.items():
        rows.append(f"| {name} | {ms:.1f} ms |")
    sysd, fs = list(med.values())
    rows.append(f"| **{pair}: systemd costs** | **{sysd - fs:+.1f} ms** |")
print("| command (median of each) | start |\n|---|---|\n" + "\n".join(rows))
PY
  exit 0
fi

# ---- in the guest
. "$repo/bench/lib.sh"
work=$(mktemp -d /tmp/bench.XXXXXX)
berth=$repo/cli/src/main/sh/berth
export BERTH_LIB=$repo/cli/target/lib
pids=()
cleanup() {
  set +e
  for d in sysd fs; do
    BERTH_SOCKET=$work/$d/berth.sock "$berth" rm -f $(BERTH_SOCKET=$work/$d/berth.sock "$berth" ps -aq --no-trunc) > /dev/null 2>&1
  done
  for p in "${pids[@]}"; do kill "$p"; wait "$p"; done
  for id in $(ls "$work/runc-root" 2> /dev/null); do runc --root "$work/runc-root" delete -f "$id"; done
  for m in $(awk -v w="$work" '$5 ~ "^"w {print $5}' /proc/self/mountinfo | sort -r); do umount -l "$m"; done
  rm -rf "$work"
}
trap cleanup EXIT

# Two daemons that differ only in the cgroup driver.
for d in sysd fs; do
  mkdir -p "$work/$d"
  cat > "$work/$d/berth.toml" <<TOML
shim_path = "$repo/shim/c/berth-shim"
runtime = "/usr/sbin/runc"
builtin_image = "$repo/build/images/busybox"
cgroup_manager = "$( [ $d = sysd ] && echo systemd || echo cgroupfs )"
TOML
  BERTH_DAEMON_LIB=$repo/daemon/target/lib "$repo/daemon/src/main/sh/berthd" --config "$work/$d/berth.toml" \
    --root "$work/$d/root" --run-root "$work/$d/run" --socket "$work/$d/berth.sock" > "$work/$d/berthd.log" 2>&1 &
  pids+=($!)
  BERTH_SOCKET=$work/$d/berth.sock wait_for 60 "$berth" version
done

per_round=$(( (runs + rounds - 1) / rounds ))
echo "== berth run -d busybox sleep: systemd vs cgroupfs driver ($rounds rounds of $per_round runs each)"
# --prepare removes the previous run's container (untimed; none the first time): every start finds the
# same state
for r in $(seq 1 "$rounds"); do
hyperfine -N --warmup 1 --runs "$per_round" --export-json "$out/systemd-start-berth-$r.json" \
  -n "berth run -d (systemd driver)" \
  --prepare "sh -c 'BERTH_SOCKET=$work/sysd/berth.sock $berth rm -f bench > /dev/null 2>&1; true'" \
  "env BERTH_SOCKET=$work/sysd/berth.sock $berth run -d --name bench busybox sleep 1000" \
  -n "berth run -d (cgroupfs driver)" \
  --prepare "sh -c 'BERTH_SOCKET=$work/fs/berth.sock $berth rm -f bench > /dev/null 2>&1; true'" \
  "env BERTH_SOCKET=$work/fs/berth.sock $berth run -d --name bench busybox sleep 1000"
done

# One rootfs (the guest's static busybox), two configs that differ only in cgroupsPath.
mkdir -p "$work/rootfs/bin" "$work/rootfs/proc" "$work/rootfs/dev" "$work/runc-root"
cp /bin/busybox "$work/rootfs/bin/busybox"
ln -s busybox "$work/rootfs/bin/sleep"
for d in sysd fs; do
  mkdir -p "$work/bundle-$d"
  cg=$( [ $d = sysd ] && echo "system.slice:bench:runc-sysd" || echo "/bench/runc-fs" )
  cat > "$work/bundle-$d/config.json" <<JSON
{ "ociVersion": "1.0.2-dev",
  "process": { "terminal": false, "user": {"uid": 0, "gid": 0}, "cwd": "/", "env": ["PATH=/bin"],
    "args": ["/bin/sleep", "1000"] },
  "root": {"path": "$work/rootfs", "readonly": true},
  "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"},
             {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "mode=755"]}],
  "linux": { "cgroupsPath": "$cg",
    "resources": { "memory": {"limit": 67108864}, "pids": {"limit": 50}, "devices": [{"allow": false, "access": "rwm"}] },
    "namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "ipc"}, {"type": "uts"}] } }
JSON
done

echo "== runc run -d of one bundle: --systemd-cgroup vs cgroupfs ($rounds rounds of $per_round runs each)"
for r in $(seq 1 "$rounds"); do
hyperfine -N --warmup 1 --runs "$per_round" --export-json "$out/systemd-start-runc-$r.json" \
  -n "runc --systemd-cgroup run -d" \
  --prepare "sh -c 'runc --root $work/runc-root --systemd-cgroup delete -f runc-sysd 2> /dev/null; true'" \
  "runc --root $work/runc-root --systemd-cgroup run -d --bundle $work/bundle-sysd runc-sysd" \
  -n "runc run -d" \
  --prepare "sh -c 'runc --root $work/runc-root delete -f runc-fs 2> /dev/null; true'" \
  "runc --root $work/runc-root run -d --bundle $work/bundle-fs runc-fs"
done
