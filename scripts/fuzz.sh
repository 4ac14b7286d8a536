#!/usr/bin/env bash
# Fuzzes load -> validate -> save -> load, then tame import (YAML in,
# pipeline out), with libFuzzer (clang++-14, ASan, UBSan), SECONDS each.
# Usage: scripts/fuzz.sh [SECONDS]   (default 300)
# Seeds are the examples and the broken-file corpus, and for import the
# workflows of tests/golden/import; what the fuzzers learn stays in
# build/fuzz/corpus and build/fuzz/import-corpus. A crash leaves its input in
# build/fuzz/ and fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-300}
build=build/fuzz
if [ ! -f "$build/build.ninja" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_COMPILER=clang++-14 -DTAME_FUZZ=ON -DTAME_BUILD_BENCH=OFF >"$build.configure.log" 2>&1 ||
    { cat "$build.configure.log"; exit 1; }
fi
ninja -C "$build" load_fuzzer import_fuzzer >"$build.log" 2>&1 || { cat "$build.log"; exit 1; }
mkdir -p "$build/corpus"
cp -n examples/*.json tests/corpus/*.json "$build/corpus/" 2>/dev/null || true
log="$build/fuzz.log"
status=0
(cd "$build" && ASAN_OPTIONS=detect_leaks=1 ./bin/load_fuzzer corpus \
  -dict=../../tests/fuzz/pipeline.dict -max_total_time="$seconds" -max_len=65536 \
  -timeout=10 -rss_limit_mb=4096 -print_final_stats=1) >"$log" 2>&1 || status=$?
runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
if [ "$status" -ne 0 ]; then
  tail -n 40 "$log"
  echo "fuzz: FAILED after $runs runs; the input is in $build/ (crash-* or timeout-*)"
  exit 1
fi
echo "fuzz: $runs runs in ${seconds}s, no crash, round trip held ($(ls "$build/corpus" | wc -l) corpus files)"

mkdir -p "$build/import-corpus"
cp -n tests/golden/import/*.yml "$build/import-corpus/" 2>/dev/null || true
log="$build/import-fuzz.log"
status=0
(cd "$build" && ASAN_OPTIONS=detect_leaks=1 ./bin/import_fuzzer import-corpus \
  -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=4096 \
  -print_final_stats=1) >"$log" 2>&1 || status=$?
runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
if [ "$status" -ne 0 ]; then
  tail -n 40 "$log"
  echo "fuzz: import FAILED after $runs runs; the input is in $build/ (crash-* or timeout-*)"
  exit 1
fi
echo "fuzz: import: $runs runs in ${seconds}s, no crash, every import valid and canonical"
