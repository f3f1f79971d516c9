#!/usr/bin/env bash
# Fuzzes each Jazzer target for FUZZ_SECONDS (default 60) and prints its executions and crashes.
# A crash leaves its input in the target's corpus dir (src/test/resources/.../<Class>Inputs/<method>/),
# where `mvn verify` replays it from then on: commit it with the fix.
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
# module:class:packages whose code coverage guides the fuzzer (besides Berth's own)
targets=(
  "image:dev.berth.image.fuzz.LayerUnpackerFuzzTest:org.apache.commons.compress.**"
  "image:dev.berth.image.fuzz.ImageImportFuzzTest:com.fasterxml.jackson.**"
  "daemon:dev.berth.daemon.fuzz.CriLogReaderFuzzTest:"
  "daemon:dev.berth.daemon.fuzz.ConfigLoaderFuzzTest:com.fasterxml.jackson.**"
)
logs=$(mktemp -d)
summary=()
failed=0
for t in "${targets[@]}"; do
  IFS=: read -r module class extra <<<"$t"
  name=${class##*.}
  log="$logs/$name.log"
  echo "fuzzing $name for ${seconds}s (log: $log)"
  # Jazzer's JUnit integration takes libFuzzer flags as jazzer.internal.arg.N, arg.0 standing for argv[0];
  # one given after the @FuzzTest's own maxDuration overrides it.
  JAZZER_FUZZ=1 mvn -B -pl "$module" -am verify -Dtest="$name" -Dsurefire.failIfNoSpecifiedTests=false \
    -Djazzer.internal.arg.0=fuzz -Djazzer.internal.arg.1=-max_total_time="$seconds" \
    -Djazzer.instrumentation_includes="dev.berth.**${extra:+:$extra}" >"$log" 2>&1
  rc=$?
  runs=$(grep -a -o '^Done [0-9]* runs' "$log" | tail -1 | awk '{print $2}')
  [ -n "$runs" ] || runs=$(grep -a -o '^#[0-9]*' "$log" | tail -1 | tr -d '#')
  # libFuzzer prints one DEDUP_TOKEN per finding (Jazzer stops a target at its first).
  crashes=$(grep -a -c '^DEDUP_TOKEN:' "$log")
  line=$(printf '%-24s executions=%-9s crashes=%s' "$name" "${runs:-0}" "$crashes")
  if [ "$rc" -ne 0 ]; then
    failed=1
    line="$line FAILED (mvn exit $rc; see $log)"
  fi
  summary+=("$line")
done
echo
printf '%s\n' "${summary[@]}"
exit $failed
