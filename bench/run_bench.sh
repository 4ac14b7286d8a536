#!/usr/bin/env bash
# The runner's whole-process benchmark: tame against ninja on the same DAG
# of 1,000 `true` commands (10 levels of 100, two needs each), in one script
# so that both see the same machine. Prints the ratios the runner promises:
#
#   cold run, -j2, logs and journal on   tame / ninja            target <= 1.10
#   cached rerun                          tame / ninja no-op      target <= 3
#   peak RSS of tame in the cold run                              target <= 30 MB
#
# Each figure is the median of ROUNDS runs, taken in turns (tame, ninja,
# tame, ...) so that a busy moment of the machine hurts both alike.
#
# usage: bench/run_bench.sh [TAME] [ROUNDS]
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
tame="${1:-${TAME:-$here/../build/bin/tame}}"
rounds="${2:-7}"
tame="$(cd "$(dirname "$tame")" && pwd)/$(basename "$tame")"
command -v ninja > /dev/null || { echo "run_bench.sh: ninja is not installed" >&2; exit 2; }
[ -x "$tame" ] || { echo "run_bench.sh: no tame at $tame (build it, or pass its path)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "run_bench.sh: /usr/bin/time is missing (apt-get install time)" >&2; exit 2; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 "$here/gen_runner_dag.py" "$work/dag"
mkdir -p "$work/ninja-run" "$work/ninja-noop" "$work/tame"
cp "$work/dag/run.ninja" "$work/ninja-run/build.ninja"
cp "$work/dag/noop.ninja" "$work/ninja-noop/build.ninja"
cp "$work/dag/pipeline.json" "$work/tame/pipeline.json"

# Wall seconds of a command run in folder $1, with its output thrown away.
seconds() {
  local dir="$1"; shift
  local start end
  start=$(date +%s%N)
  (cd "$dir" && "$@" > /dev/null 2>&1) || { echo "run_bench.sh: failed: $*" >&2; exit 1; }
  end=$(date +%s%N)
  echo "scale=4; ($end - $start) / 1000000000" | bc
}

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
ratio() { echo "scale=3; $1 / $2" | bc; }

: > "$work/tame-cold"; : > "$work/ninja-run-times"
: > "$work/tame-cached"; : > "$work/ninja-noop-times"; : > "$work/rss"
(cd "$work/ninja-noop" && ninja -j2 > /dev/null)  # the build a no-op build follows
for round in $(seq "$rounds"); do
  rm -rf "$work/tame/.tame"
  # The cold run: an empty cache, so every step runs, and is stored.
  start=$(date +%s%N)
  (cd "$work/tame" && /usr/bin/time -f "%M" -o "$work/rss.one" "$tame" run pipeline.json -j 2 \
     > /dev/null 2>&1) || { echo "run_bench.sh: tame run failed" >&2; exit 1; }
  end=$(date +%s%N)
  echo "scale=4; ($end - $start) / 1000000000" | bc >> "$work/tame-cold"
  cat "$work/rss.one" >> "$work/rss"
  seconds "$work/ninja-run" ninja -j2 >> "$work/ninja-run-times"
  seconds "$work/tame" "$tame" run pipeline.json -j 2 >> "$work/tame-cached"
  seconds "$work/ninja-noop" ninja -j2 >> "$work/ninja-noop-times"
done

tame_cold=$(median < "$work/tame-cold")
ninja_run=$(median < "$work/ninja-run-times")
tame_cached=$(median < "$work/tame-cached")
ninja_noop=$(median < "$work/ninja-noop-times")
rss_kb=$(sort -n "$work/rss" | tail -1)
cold_ratio=$(ratio "$tame_cold" "$ninja_run")
cached_ratio=$(ratio "$tame_cached" "$ninja_noop")
rss_mb=$(echo "scale=1; $rss_kb / 1024" | bc)

verdict() { if [ "$(echo "$1 <= $2" | bc)" = 1 ]; then echo "ok"; else echo "MISSED"; fi; }
echo "runner benchmark: 1000 steps (10 levels x 100, 2 needs each), -j2, median of $rounds"
printf "  cold run      tame %6.3fs  ninja        %6.3fs  ratio %5.2f  (target <= 1.10: %s)\n" \
  "$tame_cold" "$ninja_run" "$cold_ratio" "$(verdict "$cold_ratio" 1.10)"
printf "  cached rerun  tame %6.3fs  ninja no-op  %6.3fs  ratio %5.2f  (target <= 3: %s)\n" \
  "$tame_cached" "$ninja_noop" "$cached_ratio" "$(verdict "$cached_ratio" 3)"
printf "  peak RSS      tame %5.1f MB                                   (target <= 30 MB: %s)\n" \
  "$rss_mb" "$(verdict "$rss_mb" 30)"
