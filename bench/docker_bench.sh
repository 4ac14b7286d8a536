#!/usr/bin/env bash
# tame's docker.build and docker.push against the docker CLI on the same
# engine, context and registry, in one script so both see the same machine:
#
#   build, context changed (COPY and RUN redone)   tame / docker build    target <= 1.05
#   build, nothing changed (all cached)            tame / docker build    target <= 1.05
#   push of a new 32 MB layer                      tame / docker push     target <= 1.05
#
# tame runs as the run session starts it, `tame __step docker.build` with
# its params in TAME_PARAMS; the CLI runs with DOCKER_BUILDKIT=0, the same
# classic builder tame drives through the Engine API. The context is the
# iris service plus a 32 MB model file and 1,000 small files. Runs are taken
# in pairs, back to back (tame, docker, then docker, tame, ...), so that a
# busy moment of the machine hurts both alike; the table shows the median
# wall time of each, the ratio of those medians, the median of the ratios
# of the pairs, and the CPU time (user + system) of the client process
# itself, tame or the docker CLI, which is where the two differ: the
# engine's and the registry's work is the same for both.
#
# The engine is the running one (DOCKER_HOST, /var/run/docker.sock) or a
# dockerd started here; the registry is a docker-registry on 127.0.0.1. Both
# come from tests/integration/services.py and what it started is stopped by
# process id at the end.
#
# usage: bench/docker_bench.sh [TAME] [ROUNDS]
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
tame="${1:-${TAME:-$here/../build/bin/tame}}"
rounds="${2:-7}"
tame="$(cd "$(dirname "$tame")" && pwd)/$(basename "$tame")"
[ -x "$tame" ] || { echo "docker_bench.sh: no tame at $tame (build it, or pass its path)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "docker_bench.sh: /usr/bin/time is missing (apt-get install time)" >&2; exit 2; }
command -v docker > /dev/null || { echo "docker_bench.sh: the docker CLI is not installed" >&2; exit 2; }

work="$(mktemp -d)"
services=(/usr/bin/python3 "$here/../tests/integration/services.py")
cleanup() {
  "${services[@]}" stop "$work/services" > /dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
status=0
"${services[@]}" start "$work/services" || status=$?
if [ "$status" -eq 77 ]; then
  echo "docker_bench.sh: SKIPPED: no Docker engine can run here (see above)"
  exit 0
elif [ "$status" -ne 0 ]; then
  exit "$status"
fi
set -a
# shellcheck disable=SC1091
. "$work/services/env"
set +a
export DOCKER_BUILDKIT=0

# The context: the iris service, a model file and many small files.
ctx="$work/ctx"
cp -R "$here/../examples/iris-service" "$ctx"
head -c $((32 << 20)) /dev/urandom > "$ctx/model.bin"
mkdir -p "$ctx/assets"
for i in $(seq 1000); do echo "asset $i" > "$ctx/assets/a$i.txt"; done
cat > "$ctx/Dockerfile" <<EOF
FROM $BASE_IMAGE
COPY . /app
RUN wc -c /app/model.bin /app/stamp
EOF
params=$(printf '{"context": "%s", "tags": ["bench-tame:latest"]}' "$ctx")
mkdir -p "$work/empty"

# Runs a command, its output thrown away, and appends "WALL CPU" (seconds;
# CPU is the process's own user + system time) to the file $1.
measure() {
  local into="$1" start end
  shift
  start=$(date +%s%N)
  /usr/bin/time -f "%U %S" -o "$work/cpu" "$@" > "$work/last.log" 2>&1 ||
    { echo "docker_bench.sh: failed: $*" >&2; cat "$work/last.log" >&2; exit 1; }
  end=$(date +%s%N)
  echo "$(echo "scale=4; ($end - $start) / 1000000000" | bc) $(awk '{ print $1 + $2 }' "$work/cpu")" \
    >> "$into"
}
export TAME_STEP=bench TAME_RUN_ID=bench TAME_WORKSPACE="$work" TAME_OUTPUT="$work/outputs" \
  TAME_RUN_DIR="$work"
tame_step() {  # KIND PARAMS: the step process, as `tame run` starts it
  env TAME_PARAMS="$2" "$tame" __step "$1"
}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
column() { awk -v c="$2" '{ print $c }' "$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
stamp() { date +%s%N > "$ctx/stamp"; }

# Warm-up: the engine's caches and the registry's copy of the base layer.
stamp
tame_step docker.build "$params" > /dev/null
docker build -q -t bench-docker:latest "$ctx" > /dev/null 2>&1
docker tag "$BASE_IMAGE" "$REGISTRY/bench-base:1"
docker push -q "$REGISTRY/bench-base:1" > /dev/null

: > "$work/t-changed"; : > "$work/d-changed"; : > "$work/t-cached"; : > "$work/d-cached"
: > "$work/t-push"; : > "$work/d-push"
for round in $(seq "$rounds"); do
  # Changed context: a new stamp, so COPY and RUN run again for each.
  if [ $((round % 2)) -eq 1 ]; then
    stamp; measure "$work/t-changed" env TAME_PARAMS="$params" "$tame" __step docker.build
    stamp; measure "$work/d-changed" docker build -t bench-docker:latest "$ctx"
  else
    stamp; measure "$work/d-changed" docker build -t bench-docker:latest "$ctx"
    stamp; measure "$work/t-changed" env TAME_PARAMS="$params" "$tame" __step docker.build
  fi
  # Unchanged context: every instruction is a cache hit for both.
  measure "$work/d-cached" docker build -t bench-docker:latest "$ctx"
  measure "$work/t-cached" env TAME_PARAMS="$params" "$tame" __step docker.build
  measure "$work/t-cached" env TAME_PARAMS="$params" "$tame" __step docker.build
  measure "$work/d-cached" docker build -t bench-docker:latest "$ctx"

  # Push: two images alike but for a fresh 32 MB layer each, one per tool.
  for who in t d; do
    cat > "$work/push.Dockerfile" <<EOF
FROM $BASE_IMAGE
RUN head -c 33554432 /dev/urandom > /blob
EOF
    docker build -q --no-cache -t "$REGISTRY/bench-push-$who:$round" -f "$work/push.Dockerfile" \
      "$work/empty" > /dev/null 2>&1
  done
  push_params=$(printf '{"image": "%s/bench-push-t:%s"}' "$REGISTRY" "$round")
  if [ $((round % 2)) -eq 1 ]; then
    measure "$work/t-push" env TAME_PARAMS="$push_params" "$tame" __step docker.push
    measure "$work/d-push" docker push "$REGISTRY/bench-push-d:$round"
  else
    measure "$work/d-push" docker push "$REGISTRY/bench-push-d:$round"
    measure "$work/t-push" env TAME_PARAMS="$push_params" "$tame" __step docker.push
  fi
done

row() {  # LABEL TAME-FILE DOCKER-FILE
  local t d pairs tc dc
  t=$(column "$2" 1 | median)
  d=$(column "$3" 1 | median)
  pairs=$(paste -d ' ' <(column "$2" 1) <(column "$3" 1) | awk '{ printf "%.3f\n", $1 / $2 }' | median)
  tc=$(column "$2" 2 | median)
  dc=$(column "$3" 2 | median)
  printf "%-38s %7.2f s %7.2f s %6s %6s   %5.2f s %5.2f s\n" "$1" "$t" "$d" "$(ratio "$t" "$d")" \
    "$pairs" "$tc" "$dc"
}
echo
echo "docker.build / docker.push against the docker CLI ($(docker version -f '{{.Client.Version}}' 2>/dev/null) CLI,"
echo "engine $(docker version -f '{{.Server.Version}}' 2>/dev/null)), median of $rounds rounds; target ratio <= 1.05"
printf "%-38s %9s %9s %6s %6s   %7s %7s\n" "" "tame" "docker" "ratio" "pairs" "tame" "docker"
printf "%-38s %9s %9s %6s %6s   %15s\n" "" "wall" "wall" "" "" "client CPU"
row "build, context changed (32 MB)" "$work/t-changed" "$work/d-changed"
row "build, nothing changed (cached)" "$work/t-cached" "$work/d-cached"
row "push of a new 32 MB layer" "$work/t-push" "$work/d-push"
if [ -n "${BENCH_VERBOSE:-}" ]; then  # every run, to judge the spread
  for f in t-changed d-changed t-cached d-cached t-push d-push; do
    echo "$f: $(column "$work/$f" 1 | tr '\n' ' ')"
  done
fi
