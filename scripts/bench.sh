#!/usr/bin/env bash
# make bench: every benchmark, one after another; each prints its figures
# with ratios against its reference and budget, and fails when over budget.
set -euo pipefail
cd "$(dirname "$0")/.."

node bench/designer_bench.mjs
