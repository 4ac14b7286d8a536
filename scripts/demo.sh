#!/usr/bin/env bash
# The demo `make demo` runs after building: checks every example pipeline
# with the freshly built CLI, shows the plan of each, runs examples/local-ml.json
# when this build of tame can run pipelines, then the delivery pipeline
# examples/demo.json for real (a local git repo -> train -> gate -> docker
# build -> push to a registry on 127.0.0.1), then the whole story,
# examples/iris-to-k8s-local.json (... -> two of three sign off with SSH keys
# -> build -> push -> roll out on the Kubernetes API simulator -> smoke test
# -> a message to a webhook; scripts/demo_k8s.py), and says how to open the
# designer.
#
# The delivery part starts a Docker engine when none runs (as root) and a
# docker-registry on 127.0.0.1 (tests/integration/services.py); the last
# part also the Kubernetes API simulator, a webhook receiver and the built
# image, all on 127.0.0.1. Everything is stopped by process id when the demo
# ends, however it ends. With no engine it says so and is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

tame=${TAME:-build/bin/tame}  # TAME=... tries another build
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

# --- The delivery pipeline, against real services ---------------------------
demo=build/demo
services=(/usr/bin/python3 tests/integration/services.py)
stop_services() {
  "${services[@]}" stop "$demo/k8s" >/dev/null || true  # left by a demo_k8s.py that was killed
  "${services[@]}" stop "$demo/promote" >/dev/null || true
  "${services[@]}" stop "$demo/services" || true
}

delivery_demo() {
  stop_services  # what an earlier demo that was killed may have left running
  rm -rf "$demo"
  mkdir -p "$demo/ws"
  trap stop_services EXIT
  trap 'exit 130' INT TERM
  echo
  echo "\$ tests/integration/services.py start $demo/services"
  local started=0
  "${services[@]}" start "$demo/services" || started=$?
  if [ "$started" -eq 77 ]; then
    echo "demo: SKIPPED the delivery pipelines (examples/demo.json, examples/iris-to-k8s-local.json): no Docker engine can run here (see above)"
    return 0
  elif [ "$started" -ne 0 ]; then
    return "$started"
  fi
  set -a
  # shellcheck disable=SC1091
  . "$demo/services/env"
  set +a

  # The model's repository: the iris service, committed to a bare repo.
  local work="$demo/iris-work"
  cp -R examples/iris-service "$work"
  (
    cd "$work"
    export GIT_AUTHOR_NAME=demo GIT_AUTHOR_EMAIL=demo@localhost \
      GIT_COMMITTER_NAME=demo GIT_COMMITTER_EMAIL=demo@localhost
    git init -q -b main . && git add -A && git commit -q -m "iris service"
    git clone -q --bare . "$root/$demo/iris.git"
  )

  echo
  echo "\$ cd $demo/ws && tame run examples/demo.json --param repo=../iris.git ..."
  (cd "$demo/ws" && "$root/$tame" run "$root/examples/demo.json" --param repo=../iris.git \
    --param "registry=$REGISTRY" --param "base_image=$BASE_IMAGE")

  local ref
  ref=$(sed -n 's/^docker\.push: ref //p' "$demo"/ws/.tame/runs/*/logs/push.log | tail -n 1)
  local name=${ref#*/}
  name=${name%@*}
  cat <<TEXT

The image is in the registry at $REGISTRY, by digest:

  $ref

What the registry says (its HTTP API):

  \$ curl http://$REGISTRY/v2/$name/tags/list
  $(curl -s "http://$REGISTRY/v2/$name/tags/list")

The run's logs stay in $demo/ws/.tame/runs/.
TEXT

  if [ -f examples/iris-to-k8s-local.json ]; then
    echo
    echo "\$ scripts/demo_k8s.py $demo/k8s"
    /usr/bin/python3 scripts/demo_k8s.py "$demo/k8s" --tame "$tame"
  fi
  if [ -f examples/promote.json ]; then
    echo
    echo "\$ scripts/demo_promote.py $demo/promote"
    /usr/bin/python3 scripts/demo_promote.py "$demo/promote" --tame "$tame"
  fi
  echo
  echo "The registry and the engine stop when the demo ends; the runs' folders stay in $demo/."
}

if [ -f examples/demo.json ] && command -v git >/dev/null; then
  delivery_demo
fi

cat <<TEXT

The designer is a static site in $web/. To open it, serve that folder:

  python3 -m http.server 8000 --bind 127.0.0.1 --directory $web

and browse to http://127.0.0.1:8000/
TEXT
