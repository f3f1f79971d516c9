#!/usr/bin/env bash
# make-cds.sh LIBDIR: (re)build the CLI's start-up archive in LIBDIR and record, in LIBDIR/berth.jvm,
# the JVM it was made with (the launcher runs that JVM, and uses the archive only with it).
# JVM: $BERTH_JAVA, else $JAVA_HOME/bin/java, else java. JDK 25+ gets an AOT cache (berth.aot: classes
# also linked ahead of time), older ones a dynamic AppCDS archive (berth.jsa). Measured on JDK 25.0.3
# vs 17.0.15: the same wall time for `berth ps` (~110-115 ms), 25 using ~20 ms more CPU, so the JDK
# found on the machine is used rather than a newer one searched for.
# Rebuild whenever a jar in LIBDIR or the JDK changes: a stale archive is silently ignored (the launcher
# skips one older than a jar, the JVM one made by another JDK), so start-up falls back to the slow path.
# The archive is made with the launcher itself, so the flags and class path match exactly.
set -euo pipefail
lib=${1:?usage: make-cds.sh LIBDIR}
lib=$(cd "$lib" && pwd)
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
launcher=$here/berth
[ -x "$launcher" ] || launcher=$lib/../bin/berth

# The feature version from a JDK's release file (JAVA_VERSION="25.0.3"), without starting it.
feature() {
  local v
  v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release" 2>/dev/null)
  echo "${v:-0}"
}

java=${BERTH_JAVA:-}
if [ -z "$java" ]; then
  if [ -n "${JAVA_HOME:-}" ]; then java=$JAVA_HOME/bin/java; else java=$(command -v java); fi
fi
java=$(readlink -f "$java")

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rm -f "$lib/berth.jsa" "$lib/berth.aot" "$lib/berth.jvm"

# One training run (an archive can't be appended to): berth's hidden __cds-training command runs the
# usual commands in-process against a fake berthd, then exits 0.
if [ "$(feature "$(dirname "$(dirname "$java")")")" -ge 25 ]; then
  out=berth.aot
  BERTH_LIB=$lib BERTH_JAVA=$java BERTH_AOT_TRAIN=$tmp/$out "$launcher" __cds-training >/dev/null 2>&1 || true
  check=(-XX:AOTMode=on)
else
  out=berth.jsa
  BERTH_LIB=$lib BERTH_JAVA=$java BERTH_CDS_TRAIN=$tmp/$out "$launcher" __cds-training >/dev/null 2>&1 || true
  check=(-Xshare:on)
fi
if [ ! -s "$tmp/$out" ]; then
  echo "make-cds.sh: training made no archive" >&2
  exit 1
fi
mv "$tmp/$out" "$lib/$out"
echo "$java" > "$lib/berth.jvm"
# Prove the archive is used: the JVM fails loudly when it is not.
BERTH_LIB=$lib BERTH_JAVA_OPTS="${check[*]}" "$launcher" version --client-only >/dev/null
echo "make-cds.sh: wrote $lib/$out ($(du -k "$lib/$out" | cut -f1) KiB) for $java"
