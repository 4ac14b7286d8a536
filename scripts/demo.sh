#!/usr/bin/env bash
# The demo `make demo` runs after building: checks every example pipeline
# with the freshly built CLI, shows the plan of each, runs examples/local-ml.json
# when this build of tame can run pipelines, and says how to open the designer.
set -euo pipefail
cd "$(dirname "$0")/.."

tame=build/bin/tame
web=build/web
[ -x "$tame" ] || { echo "demo: $tame is missing; run make build" >&2; exit 2; }

shopt -s nullglob
examples=(examples/*.json)
if [ ${#examples[@]} -eq 0 ]; then
  echo "demo: there are no example pipelines in examples/" >&2
  exit 2
fi

show() {
  echo
  echo "\$ $*"
  "$@"
}

show "$tame" validate "${examples[@]}"
for example in "${examples[@]}"; do
  show "$tame" plan "$example"
done
if [ -f examples/local-ml.json ] && "$tame" help run >/dev/null 2>&1; then
  show "$tame" run examples/local-ml.json
fi

cat <<TEXT

The designer is a static site in $web/. To open it, serve that folder:

  python3 -m http.server 8000 --bind 127.0.0.1 --directory $web

and browse to http://127.0.0.1:8000/
TEXT
