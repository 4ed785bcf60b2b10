#!/usr/bin/env bash
# A short fuzzing run of every libFuzzer harness in tests/fuzz (Avro
# decoding, JsonConverter parsing) via scripts/fuzz: each must survive
# TRIB_FUZZ_SECONDS (default 20) of generated input without a crash,
# sanitizer report, leak or broken round trip. Reproducers of any failure
# are kept in .run/fuzz/<harness>/.
. "$(dirname "$0")/lib.sh"

if ! command -v "${FUZZ_CC:-clang}" >/dev/null; then
  [ "${TRIB_REQUIRE_SERVICES:-0}" = 1 ] && bail "clang is missing (scripts/deps installs it)"
  skip_all "clang is missing (scripts/deps installs it)"
fi
secs=${TRIB_FUZZ_SECONDS:-20}
harnesses=()
for f in "$E2E_ROOT"/tests/fuzz/fuzz_*.c; do harnesses+=("$(basename "$f" .c)"); done
plan ${#harnesses[@]}
for h in "${harnesses[@]}"; do
  FUZZ_SEED=${FUZZ_SEED:-1} "$E2E_ROOT/scripts/fuzz" "$secs" "$h" >"$E2E_TMP/$h.log" 2>&1
  rc=$?
  ok $rc "$h runs ${secs}s without a crash"
  if [ $rc -ne 0 ]; then
    grep -E 'ERROR|SUMMARY|Test unit written|^fuzz:|failed|changed|invalid' "$E2E_TMP/$h.log" | head -12 | sed 's/^/# /'
  fi
done
finish
