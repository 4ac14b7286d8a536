#!/usr/bin/env bash
# Fuzzes with libFuzzer (clang++-14, ASan, UBSan), a third of the time each:
#   load_fuzzer        load -> validate -> save -> load of pipeline files;
#                      seeds: the examples and the broken-file corpus
#   import_fuzzer      tame import (YAML in, pipeline out); seeds: the
#                      workflows of tests/golden/import
#   run_folder_fuzzer  what tame reads back from a run folder: journals
#                      (resume, approve) and report.json files (show, runs,
#                      the designer's report view); seeds: tests/fuzz/run_folder
# Usage: scripts/fuzz.sh [SECONDS]   (default 300)
# What the fuzzers learn stays in build/fuzz/corpus*. A crash leaves its
# input in build/fuzz/ and fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-300}
build=build/fuzz
if [ ! -f "$build/build.ninja" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_COMPILER=clang++-14 -DTAME_FUZZ=ON -DTAME_BUILD_BENCH=OFF >"$build.configure.log" 2>&1 ||
    { cat "$build.configure.log"; exit 1; }
fi
ninja -C "$build" load_fuzzer import_fuzzer run_folder_fuzzer >"$build.log" 2>&1 || { cat "$build.log"; exit 1; }
mkdir -p "$build/corpus" "$build/corpus-import" "$build/corpus-run-folder"
cp -n examples/*.json tests/corpus/*.json "$build/corpus/" 2>/dev/null || true
cp -n tests/golden/import/*.yml "$build/corpus-import/" 2>/dev/null || true
cp -n tests/fuzz/run_folder/* "$build/corpus-run-folder/" 2>/dev/null || true
each=$(( (seconds + 2) / 3 ))

# fuzz NAME CORPUS [FLAGS...]: runs one fuzzer for $each seconds.
fuzz() {
  local name=$1 corpus=$2
  shift 2
  local log="$build/$name.log" status=0
  (cd "$build" && ASAN_OPTIONS=detect_leaks=1 ./bin/$name "$corpus" "$@" \
    -max_total_time="$each" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1) >"$log" 2>&1 ||
    status=$?
  local runs
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  if [ "$status" -ne 0 ]; then
    tail -n 40 "$log"
    echo "fuzz: $name FAILED after $runs runs; the input is in $build/ (crash-* or timeout-*)"
    exit 1
  fi
  echo "fuzz: $name: $runs runs in ${each}s, no crash ($(ls "$build/$corpus" | wc -l) corpus files)"
}

fuzz load_fuzzer corpus -dict=../../tests/fuzz/pipeline.dict -max_len=65536
fuzz import_fuzzer corpus-import -max_len=65536
fuzz run_folder_fuzzer corpus-run-folder -max_len=65536
