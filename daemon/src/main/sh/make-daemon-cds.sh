#!/usr/bin/env bash
# make-daemon-cds.sh LIBDIR SHIMDIR: (re)build berthd's start-up archive, LIBDIR/berthd.jsa (a dynamic AppCDS
# archive: the classes a start, recovery and the everyday requests load, parsed and verified ahead). One
# training run of the launcher itself (same flags, same class path): an isolated berthd in a temp dir, a
# container created, started, inspected, stopped and removed through the CLI, then SIGTERM, at which the
# JVM writes the archive. SHIMDIR holds berth-shim; BERTH_CLI names the CLI (default: berth on PATH).
# Rebuild whenever a jar in LIBDIR or the JDK changes: the launcher skips an archive older than a jar.
set -euo pipefail
lib=$(cd "${1:?usage: make-daemon-cds.sh LIBDIR SHIMDIR}" && pwd -P)
shimdir=$(cd "${2:?usage: make-daemon-cds.sh LIBDIR SHIMDIR}" && pwd)
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cli=${BERTH_CLI:-berth}
image=${BERTH_TRAINING_IMAGE:-}

tmp=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
rm -f "$lib/berthd.jsa"
sock=$tmp/run/berth.sock
PATH=$shimdir:$PATH BERTH_DAEMON_LIB=$lib BERTHD_CDS_TRAIN=$tmp/berthd.jsa "$here/berthd" --root "$tmp/root" \
  --run-root "$tmp/run" --socket "$sock" --cri-socket "$tmp/run/cri.sock" >"$tmp/berthd.log" 2>&1 &
pid=$!
for _ in $(seq 600); do
  [ -S "$sock" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$tmp/berthd.log" >&2; echo "make-daemon-cds.sh: berthd ended" >&2; exit 1; }
  sleep 0.1
done
berth() { BERTH_SOCKET=$sock "$cli" "$@" >/dev/null; }
berth version
berth info
berth images
berth ps -a
if [ -n "$image" ]; then
  berth image import "$image"
  berth run -d --network none --name training busybox sleep 60
  berth inspect training
  berth stop -t 0 training
  berth rm training
fi
kill -TERM "$pid"
wait "$pid" || true
pid=
if [ ! -s "$tmp/berthd.jsa" ]; then
  echo "make-daemon-cds.sh: training made no archive" >&2
  exit 1
fi
mv "$tmp/berthd.jsa" "$lib/berthd.jsa"
# Prove the archive is used: with -Xshare:on the JVM fails loudly when it cannot map it.
BERTH_DAEMON_LIB=$lib BERTH_DAEMON_JAVA_OPTS=-Xshare:on "$here/berthd" --version >/dev/null
echo "make-daemon-cds.sh: wrote $lib/berthd.jsa ($(du -k "$lib/berthd.jsa" | cut -f1) KiB)"
