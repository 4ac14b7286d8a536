#!/usr/bin/env bash
# make bench: every benchmark, one after another. Each prints its figures with
# ratios against a reference measured in the same run (nlohmann's bare parse,
# ninja, the docker CLI, a plain copy) and its target; none is a pass or fail
# of the build, since these machines are shared and their timings noisy.
#
#   build/bin/core_bench             load + validate + plan of 10,000 steps vs nlohmann's parse
#   build/bin/masker_runner_bench    secret masking throughput, 100 secrets
#   bench/run_bench.sh               tame run of a 1,000-step DAG vs ninja; cached rerun; RSS
#   bench/docker_bench.sh            docker.build and docker.push vs the docker CLI
#   bench/designer_bench.mjs         the designer in headless Chromium: size, frame times, open
#
# usage: scripts/bench.sh [NAME...]   (names as above without folder and suffix)
set -euo pipefail
cd "$(dirname "$0")/.."

all=(core_bench masker_runner_bench run_bench docker_bench designer_bench)
selected=("$@")
[ ${#selected[@]} -gt 0 ] || selected=("${all[@]}")

for name in "${selected[@]}"; do
  echo
  echo "== $name"
  case "$name" in
    core_bench|masker_runner_bench) "build/bin/$name" ;;
    run_bench|docker_bench) "bench/$name.sh" build/bin/tame ;;
    designer_bench) node bench/designer_bench.mjs ;;
    *) echo "bench: no benchmark named $name (there are: ${all[*]})" >&2; exit 2 ;;
  esac
done
