#!/usr/bin/env bash
# make-cds.sh LIBDIR: (re)build LIBDIR/berth.jsa, the AppCDS archive of the CLI's own classes.
# Rebuild whenever a jar in LIBDIR or the JDK changes: a stale archive is silently ignored (the JVM
# checks the jars' sizes and mtimes), so start-up just falls back to the slow path.
# The archive is made with the launcher itself, so the flags and class path match exactly.
# Training runs exercise the paths of a normal command without a daemon: the help of every command
# (picocli's model), a failed connection (the HTTP client, jackson-jr is loaded by the JSON error path
# only when a daemon answers, hence the one-off parse below).
set -euo pipefail
lib=${1:?usage: make-cds.sh LIBDIR}
lib=$(cd "$lib" && pwd)
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
launcher=$here/berth
[ -x "$launcher" ] || launcher=$lib/../bin/berth

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rm -f "$lib/berth.jsa"

# Several short trainings can't append to one dynamic archive, so one run does it all:
# berth's hidden --cds-training entry walks the help of every command, a refused connection and a
# JSON round trip, then exits 0.
BERTH_LIB=$lib BERTH_CDS_TRAIN=$tmp/berth.jsa "$launcher" --socket "$tmp/none.sock" __cds-training >/dev/null 2>&1 || true
if [ ! -s "$tmp/berth.jsa" ]; then
  echo "make-cds.sh: training made no archive" >&2
  exit 1
fi
mv "$tmp/berth.jsa" "$lib/berth.jsa"
# Prove the archive is used: -Xshare:on fails loudly when it is not.
BERTH_LIB=$lib BERTH_JAVA_OPTS=-Xshare:on "$launcher" version --client-only >/dev/null
echo "make-cds.sh: wrote $lib/berth.jsa ($(du -k "$lib/berth.jsa" | cut -f1) KiB)"
