#!/usr/bin/env python3
"""The last part of `make demo`: examples/iris-to-k8s-local.json run for real,
from a commit to a service and a message in the team's chat.

    demo_k8s.py DIR [--tame PATH] [--result PATH]

Needs a Docker engine and a registry, from `tests/integration/services.py
start` (DOCKER_HOST, REGISTRY and BASE_IMAGE in the environment, as
scripts/demo.sh sources them). In DIR (emptied first) it makes:

- the iris service's repository, a bare git repo with one commit;
- SSH keys for alice, bob and carol with ssh-keygen, and allowed_signers;
- the Kubernetes API simulator of tests/k8s_simulator/ on 127.0.0.1 with a
  kubeconfig for it: no cluster can run here, and the simulator is not one;
  it answers the API calls k8s.deploy makes and runs no pods;
- a webhook receiver on 127.0.0.1 standing in for the team's chat; its URL,
  a secret, goes to tame in a secrets file;

then runs the pipeline in DIR/ws, signs off as alice and bob while the run
waits, and, since the simulator runs no pods, runs the image the Deployment
names with the real Docker engine (host network, bound to 127.0.0.1) for
the smoke test to reach. It prints what happened, and with --result writes
it as JSON for tests/integration/delivery_demo_test.py. Everything it starts
is stopped by process id however it ends (and recorded in DIR/pids.json, for
`services.py stop DIR` should this process be killed).

Exit status: tame's (0 the pipeline succeeded), 2 on bad usage.
"""
import argparse
import base64
import http.server
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import services  # noqa: E402

PIPELINE = os.path.join(ROOT, "examples", "iris-to-k8s-local.json")
PEOPLE = ("alice", "bob", "carol")
SIGNERS = (("alice", "accuracy is fine on the held-out flowers"),
           ("bob", "image built from a reviewed commit"))
NAMESPACE = "ml"


class Failed(Exception):
    """The story cannot go on; the message says why."""


def say(text=""):
    print(text, flush=True)


def heading(text):
    say()
    say("--- %s " % text + "-" * max(3, 74 - len(text)))


def shown(argv, cwd):
    """A command as the reader would type it: the tame binary as `tame`."""
    words = ["tame" if i == 0 and os.path.basename(a) == "tame" else a
             for i, a in enumerate(argv)]
    return "$ " + ("cd %s && " % os.path.relpath(cwd) if cwd else "") + " ".join(
        w if w and all(c.isalnum() or c in "/._-=:@" for c in w) else "'%s'" % w
        for w in words)


class Webhook:
    """The team's chat: takes POSTs at a secret path on 127.0.0.1."""

    def __init__(self):
        owner = self
        self.token = secrets.token_hex(16)
        self.messages = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path != "/hooks/" + owner.token:
                    self.send_response(404)
                    self.end_headers()
                    return
                try:
                    message = json.loads(body)
                except ValueError:
                    message = {"text": body.decode(errors="replace")}
                owner.messages.append(message)
                say("  [chat webhook received] %s" % message.get("text", "").replace(
                    "\n", "\n                         "))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d/hooks/%s" % (self.server.server_address[1], self.token)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class Pods:
    """Stands in for the cluster's nodes, which the simulator does not have:
    once the Deployment exists, pulls the image it names from the registry
    and runs it with the real Docker engine on 127.0.0.1:PORT. `auth`, a
    (user, password) pair, is the registry's login, as a cluster's image pull
    secret would give it."""

    def __init__(self, folder, engine, simulator, port, auth=None):
        self.folder, self.engine, self.simulator, self.port = folder, engine, simulator, port
        self.auth = auth
        self.image = None
        self.container = None
        self.error = None
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def _watch(self):
        path = "/apis/apps/v1/namespaces/%s/deployments/iris" % NAMESPACE
        while not self.stopping.wait(0.2):
            try:
                deployment = self.simulator.get(path)
            except OSError:
                continue
            if deployment:
                try:
                    self._run(deployment["spec"]["template"]["spec"]["containers"][0]["image"])
                except (OSError, ValueError, KeyError, AssertionError) as e:
                    self.error = str(e)
                    say("  [demo] could not run the deployed image: %s" % e)
                return

    def _run(self, image):
        name, _, digest = image.partition("@")
        query = urllib.parse.urlencode({"fromImage": name, "tag": digest})
        headers = {}
        if self.auth:
            login = {"username": self.auth[0], "password": self.auth[1],
                     "serveraddress": name.split("/")[0]}
            headers["X-Registry-Auth"] = base64.urlsafe_b64encode(
                json.dumps(login).encode()).decode()
        status, body = self.engine.api("POST", "/images/create?" + query, headers=headers)
        if status != 200 or b"errorDetail" in body:
            raise AssertionError("pull %s: %s" % (image, body[-300:]))
        status, body = self.engine.api("POST", "/containers/create", body=json.dumps({
            "Image": image,
            "Cmd": ["httpd", "-f", "-p", "127.0.0.1:%d" % self.port, "-h", "/srv/www"],
            "HostConfig": {"NetworkMode": "host"}}),
            headers={"Content-Type": "application/json"})
        if status != 201:
            raise AssertionError("create a container of %s: %s" % (image, body[-300:]))
        self.container = json.loads(body)["Id"]
        services.record(self.folder, "iris container", container=self.container,
                        docker_host=self.engine.host)
        status, body = self.engine.api("POST", "/containers/%s/start" % self.container)
        if status not in (204, 304):
            raise AssertionError("start %s: %s" % (image, body[-300:]))
        self.image = image
        say("  [demo] the Deployment names %s; the simulator runs no pods, so the demo pulled "
            "that image from the registry and runs it with the Docker engine on "
            "127.0.0.1:%d" % (image, self.port))

    def stop(self):
        """Stops watching; the container goes with what DIR/pids.json lists."""
        self.stopping.set()
        self.thread.join(timeout=60)


def read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def latest_report(workspace):
    runs = os.path.join(workspace, ".tame", "runs")
    names = sorted(os.listdir(runs)) if os.path.isdir(runs) else []
    return read_json(os.path.join(runs, names[-1], "report.json")) if names else None


def wait_report(workspace, tame, check, timeout=60):
    """The run's report.json once `check` holds (None when the run ended first)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        report = latest_report(workspace)
        if report and check(report):
            return report
        if tame.poll() is not None:
            return None
        time.sleep(0.1)
    return None


def step_of(report, step_id):
    return next(s for s in report["steps"] if s["id"] == step_id)


def make_keys(folder):
    os.makedirs(folder)
    lines = []
    for who in PEOPLE:
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", who + "@demo",
                        "-f", os.path.join(folder, who)], check=True)
        with open(os.path.join(folder, who + ".pub")) as f:
            lines.append(who + " " + " ".join(f.read().split()[:2]) + "\n")
    signers = os.path.join(folder, "allowed_signers")
    with open(signers, "w") as f:
        f.writelines(lines)
    return signers


def tell(folder, tame_bin, env, result, cleanup):
    """The story; fills `result` as it goes and returns tame's exit status.
    Its threads go in `cleanup`, to be stopped in reverse order; its
    processes and the container in DIR/pids.json."""
    engine = services.Dockerd(env["DOCKER_HOST"])
    registry = env["REGISTRY"]
    started = time.monotonic()
    ws = os.path.join(folder, "ws")
    os.makedirs(ws)

    heading("iris from a commit to a service: examples/iris-to-k8s-local.json")
    bare, sha, _ = services.make_bare_repo(folder, "iris", os.path.join(ROOT, "examples",
                                                                        "iris-service"))
    say("The model's repository:        %s (commit %s)" % (os.path.relpath(bare), sha[:12]))
    signers = make_keys(os.path.join(folder, "keys"))
    say("Sign-off keys (ssh-keygen):    %s/{alice,bob,carol}, listed in %s"
        % (os.path.relpath(os.path.dirname(signers)), os.path.relpath(signers)))
    say("Registry:                      %s" % registry)

    k8s = services.K8sSimulator.start(os.path.join(folder, "k8s"))
    services.record(folder, "the Kubernetes API simulator", k8s.proc.pid)
    result["k8s"] = {"url": k8s.url, "kubeconfig": k8s.kubeconfig, "pid": k8s.proc.pid}
    k8s.control("/_simulator/config",
                {"namespaces": ["default", "kube-system", "kube-public", NAMESPACE]})
    say("Kubernetes:                    the Kubernetes API simulator at %s, namespace %s" %
        (k8s.url, NAMESPACE))
    say("                               (tests/k8s_simulator/; no cluster can run here, and "
        "the")
    say("                               simulator is not one: it answers the API, runs no "
        "pods)")
    say("                               kubeconfig: %s" % os.path.relpath(k8s.kubeconfig))

    chat = Webhook()
    cleanup.append(chat.stop)
    result["webhook"] = {"url": chat.url, "messages": chat.messages}
    secrets_file = os.path.join(folder, "secrets")
    with open(os.open(secrets_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
        f.write("CHAT_WEBHOOK=%s\n" % chat.url)
    say("Team chat:                     a webhook receiver on 127.0.0.1; its URL is the "
        "secret")
    say("                               CHAT_WEBHOOK in %s, never shown" %
        os.path.relpath(secrets_file))

    port = services.free_port()
    pods = Pods(folder, engine, k8s, port)
    cleanup.append(pods.stop)
    service_url = "http://127.0.0.1:%d" % port
    argv = [tame_bin, "run", PIPELINE, "--param", "repo=../iris.git",
            "--param", "registry=" + registry, "--param", "base_image=" + env["BASE_IMAGE"],
            "--param", "allowed_signers=../keys/allowed_signers",
            "--param", "namespace=" + NAMESPACE, "--param", "service_url=" + service_url,
            "--secrets-file", "../secrets"]
    run_env = {k: v for k, v in os.environ.items()
               if not k.startswith(("KUBE", "TAME_", "CHAT_WEBHOOK"))}
    run_env.update(KUBECONFIG=k8s.kubeconfig, DOCKER_HOST=engine.host)
    say()
    say("The smoke test asks the service at %s, where the demo runs the deployed image."
        % service_url)
    say()
    say("%s \\\n    --param repo=../iris.git --param registry=%s --param base_image=%s \\\n"
        "    --param allowed_signers=../keys/allowed_signers --param namespace=%s \\\n"
        "    --param service_url=%s --secrets-file ../secrets"
        % (shown(argv[:3], ws).replace(PIPELINE, os.path.relpath(PIPELINE, ws)), registry,
           env["BASE_IMAGE"], NAMESPACE, service_url))
    tame = subprocess.Popen(argv, cwd=ws, env=run_env, stdin=subprocess.DEVNULL)
    result["tame_pid"] = tame.pid
    try:
        waiting = wait_report(ws, tame, lambda r: step_of(r, "signoff")["status"] == "waiting")
        if waiting is not None:
            run = waiting["run"]
            result["run"] = run
            say()
            say("  [demo] run %s is %s, step signoff is %s: 0 of 2 sign-offs so far. "
                "Alice and bob sign off:" % (run, waiting["status"],
                                              step_of(waiting, "signoff")["status"]))
            for count, (who, comment) in enumerate(SIGNERS, 1):
                approve = [tame_bin, "approve", run, "signoff", "--key", "../keys/" + who,
                           "--comment", comment]
                say(shown(approve, ws))
                signed = subprocess.run(approve, cwd=ws, env=run_env, stdin=subprocess.DEVNULL,
                                        timeout=60)
                if signed.returncode != 0:
                    raise Failed("tame approve exited with %d" % signed.returncode)
                if count == len(SIGNERS):
                    break  # the run goes on; its console says so
                after = wait_report(ws, tame, lambda r: len(
                    step_of(r, "signoff").get("approvals", [])) >= count
                    or step_of(r, "signoff")["status"] != "waiting", timeout=20)
                if after is not None:
                    say("  [demo] report.json: signoff is %s, %d of 2 sign-offs accepted"
                        % (step_of(after, "signoff")["status"],
                           sum(1 for a in step_of(after, "signoff").get("approvals", [])
                               if a["accepted"])))
        code = tame.wait(timeout=300)
    finally:
        if tame.poll() is None:  # interrupted: let tame stop its steps first
            tame.send_signal(signal.SIGINT)
            try:
                tame.wait(timeout=20)
            except subprocess.TimeoutExpired:
                tame.kill()
                tame.wait()
    result["exit"] = code
    result["served_image"] = pods.image
    result["deployment"] = k8s.get("/apis/apps/v1/namespaces/%s/deployments/iris" % NAMESPACE)
    report = latest_report(ws)
    result["report"] = report
    result["seconds"] = round(time.monotonic() - started, 1)
    epilogue(folder, ws, tame_bin, run_env, report, k8s, registry, chat, result["seconds"])
    return code


def epilogue(folder, ws, tame_bin, env, report, k8s, registry, chat, seconds):
    if report is None:
        say("demo: the run left no report")
        return
    run_dir = os.path.join(ws, ".tame", "runs", report["run"])
    push = step_of(report, "push").get("outputs", {})
    heading("what happened")
    if push.get("ref"):
        name = push["ref"].split("/", 1)[1].split("@")[0]
        status, _, body = services.Registry(None, int(registry.rsplit(":", 1)[1]),
                                            None).get("/v2/%s/tags/list" % name)
        say("The image is in the registry at %s, by digest:" % registry)
        say("  %s" % push["ref"])
        say("  $ curl http://%s/v2/%s/tags/list" % (registry, name))
        say("  %s" % body.decode().strip())
    say()
    kubectl = shutil.which("kubectl")
    say("What was deployed, as the real kubectl reads it from the Kubernetes API simulator:")
    if kubectl:
        columns = ("NAME:.metadata.name,AVAILABLE:.status.availableReplicas,"
                   "IMAGE:.spec.template.spec.containers[0].image")
        for args in (["get", "deployment", "-n", NAMESPACE, "-o", "custom-columns=" + columns],
                     ["get", "service", "-n", NAMESPACE, "-o",
                      "custom-columns=NAME:.metadata.name,TYPE:.spec.type,"
                      "PORT:.spec.ports[0].port"],
                     ["rollout", "history", "deployment/iris", "-n", NAMESPACE]):
            say("  $ KUBECONFIG=%s %s" % (os.path.relpath(k8s.kubeconfig),
                                          shown(["kubectl"] + args, None)[2:]))
            r = subprocess.run([kubectl, "--request-timeout=20s"] + args, capture_output=True,
                               text=True, timeout=60,
                               env={"KUBECONFIG": k8s.kubeconfig, "HOME": folder,
                                    "PATH": os.environ.get("PATH", "/usr/bin:/bin")})
            for line in (r.stdout + r.stderr).rstrip().splitlines():
                say("  " + line)
    else:
        say("  (kubectl is not installed; the Deployment's image, from the API: %s)" %
            k8s.get("/apis/apps/v1/namespaces/%s/deployments/iris" % NAMESPACE)
            ["spec"]["template"]["spec"]["containers"][0]["image"])
    say()
    say("The sign-offs (report.json, step signoff):")
    for a in step_of(report, "signoff").get("approvals", []):
        say("  %-6s %s at %s%s: %s" % (a["who"], a["decision"], a["at"],
                                       "" if a["accepted"] else " (refused: %s)" % a["reason"],
                                       a.get("comment") or ""))
    say()
    say("What the team's chat received (%d messages):" % len(chat.messages))
    for m in chat.messages:
        say("  [%s] %s" % (m.get("step", "?"), m.get("text", "").splitlines()[0]
                           if m.get("text") else ""))
    say()
    say("The run's report: %s" % os.path.relpath(os.path.join(run_dir, "report.json")))
    say()
    say(shown([tame_bin, "show", report["run"]], ws))
    sys.stdout.flush()
    subprocess.run([tame_bin, "show", report["run"]], cwd=ws, env=env, check=False)
    say()
    say("This part of the demo took %.0f s. The simulator, the webhook receiver and the "
        "iris container stop now." % seconds)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder")
    parser.add_argument("--tame", default=os.path.join(ROOT, "build", "bin", "tame"))
    parser.add_argument("--result", help="write what happened here, as JSON")
    args = parser.parse_args()
    missing = [n for n in ("DOCKER_HOST", "REGISTRY", "BASE_IMAGE") if not os.environ.get(n)]
    if missing:
        print("demo_k8s.py: %s not set; start the services with tests/integration/services.py "
              "start DIR and source DIR/env" % ", ".join(missing), file=sys.stderr)
        return 2
    folder = os.path.abspath(args.folder)
    services.stop_recorded(folder, quiet=True)  # what a killed demo left running
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)

    def interrupted(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGHUP, interrupted)

    result = {"folder": folder}
    code = 1
    cleanup = []
    try:
        code = tell(folder, os.path.abspath(args.tame), os.environ, result, cleanup)
    except KeyboardInterrupt:
        print("demo_k8s.py: interrupted; stopping what it started", file=sys.stderr)
        code = 130
    except (services.Unavailable, Failed, subprocess.TimeoutExpired) as e:
        print("demo_k8s.py: %s" % e, file=sys.stderr)
        code = 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not stop this
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for stop in reversed(cleanup):
            try:
                stop()
            except OSError as e:
                print("demo_k8s.py: while stopping: %s" % e, file=sys.stderr)
        services.stop_recorded(folder, quiet=True)
        if args.result:
            result.pop("tame_pid", None)
            with open(args.result, "w") as f:
                json.dump(result, f, indent=1)
    return code


if __name__ == "__main__":
    sys.exit(main())
