#!/usr/bin/env bash
# SHA-256 MB/s over one 50 MiB random file: the JDK's MessageDigest and Berth's digest (libcrypto) in
# berthd's JVM flags (read from its launcher), against sha256sum. Usage: bench/digest.sh. Needs a built tree.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
file=$(mktemp /tmp/berth-digest.XXXXXX)
trap 'rm -f "$file"' EXIT
head -c 50M /dev/urandom >"$file"
flags=$(grep -o -- ' -X[^ ]*' "$repo/daemon/src/main/sh/berthd" | tr -d '\n')
echo "== berthd's JVM flags:$flags"
# shellcheck disable=SC2086
java $flags -cp "$repo/daemon/target/lib/*" "$repo/bench/DigestSpeed.java" "$file" 5
echo "== the same file through sha256sum (coreutils) and openssl dgst (libcrypto's CLI), page cache warm"
for tool in "sha256sum" "openssl dgst -sha256"; do
  for _ in 1 2 3; do
    # shellcheck disable=SC2086
    s=$( { /usr/bin/time -f %e $tool "$file" >/dev/null; } 2>&1 )
    awk -v t="$tool" -v s="$s" -v b="$(stat -c %s "$file")" 'BEGIN { printf "%-20s %.2f s, %.0f MB/s\n", t, s, b / 1e6 / s }'
  done
done
