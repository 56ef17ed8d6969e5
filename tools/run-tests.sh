#!/bin/sh
# Builds clipclassify and runs the whole test suite: once as built for
# users, and the engine tests once more under AddressSanitizer and
# UndefinedBehaviorSanitizer. Prints "N passed, N failed" last.
set -u
cd "$(dirname "$0")/.."
top=$(pwd)
status=0

run_suite () {
  dir=$1
  shift
  meson test -C "$dir" --print-errorlogs --num-processes 2 "$@" || status=1
}

meson setup --reconfigure build-tests >/dev/null 2>&1 \
  || meson setup build-tests || exit 1
meson compile -C build-tests || exit 1
run_suite build-tests

meson setup --reconfigure build-asan -Db_sanitize=address,undefined \
  -Db_lundef=false -Dgst=disabled >/dev/null 2>&1 \
  || meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false \
    -Dgst=disabled || exit 1
meson compile -C build-asan || exit 1
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  run_suite build-asan --suite engine --no-suite isa

# the parsers (JSON, safetensors, vocabulary, .npy) under libFuzzer for a while
sh tools/run-fuzz.sh || status=1

/usr/bin/python3 "$top/tools/test-summary.py" build-tests/meson-logs/testlog.json \
  build-asan/meson-logs/testlog.json || status=1
exit $status
