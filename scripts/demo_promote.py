#!/usr/bin/env python3
"""The promotion part of `make demo`: examples/promote.json run for real, one
image digest from a staging cluster to a production cluster.

    demo_promote.py DIR [--tame PATH] [--result PATH]

Needs a Docker engine and a registry, as scripts/demo_k8s.py does (DOCKER_HOST,
REGISTRY and BASE_IMAGE in the environment). In DIR (emptied first) it makes
the iris service's repository, SSH keys for alice, bob and carol, a webhook
receiver for the team's chat, and TWO instances of the Kubernetes API
simulator of tests/k8s_simulator/ (a simulator, not a cluster: it answers the
API and runs no pods), one per cluster, with one kubeconfig holding the
contexts `staging` and `prod`. It runs the pipeline, signs off as alice and
bob while the run waits, runs the staging Deployment's image with the real
Docker engine for the smoke test to reach, and shows with the real kubectl
what each cluster holds. Everything it starts is stopped by process id.

Exit status: tame's (0 the pipeline succeeded), 2 on bad usage.
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import demo_k8s as story  # noqa: E402
import services  # noqa: E402
from demo_k8s import say, shown, step_of, wait_report  # noqa: E402

PIPELINE = os.path.join(ROOT, "examples", "promote.json")


def two_contexts(path, clusters):
    """One kubeconfig with a context per simulator, as a team's would hold."""
    import base64
    text = "apiVersion: v1\nkind: Config\ncurrent-context: staging\nclusters:\n"
    for name, sim in clusters:
        with open(sim.ca, "rb") as f:
            ca = base64.b64encode(f.read()).decode()
        text += ("- name: %s\n  cluster:\n    server: %s\n    certificate-authority-data: %s\n"
                 % (name, sim.url, ca))
    text += "contexts:\n"
    for name, _ in clusters:
        text += "- name: %s\n  context:\n    cluster: %s\n    user: %s-ci\n" % (name, name, name)
    text += "users:\n"
    for name, sim in clusters:
        text += "- name: %s-ci\n  user:\n    token: %s\n" % (name, sim.token)
    with open(path, "w") as f:
        f.write(text)
    return path


def kubectl_get(kubeconfig, context, folder, *args):
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        say("  (kubectl is not installed)")
        return
    argv = ["get", *args, "--context", context]
    say("  $ kubectl " + " ".join(argv))
    r = subprocess.run([kubectl, "--request-timeout=20s"] + argv, capture_output=True,
                       text=True, timeout=60,
                       env={"KUBECONFIG": kubeconfig, "HOME": folder,
                            "PATH": os.environ.get("PATH", "/usr/bin:/bin")})
    for line in (r.stdout + r.stderr).rstrip().splitlines():
        say("  " + line)


def tell(folder, tame_bin, env, result, cleanup):
    engine = services.Dockerd(env["DOCKER_HOST"])
    registry = env["REGISTRY"]
    ws = os.path.join(folder, "ws")
    os.makedirs(ws)
    story.heading("one digest from staging to production: examples/promote.json")
    bare, sha, _ = services.make_bare_repo(folder, "iris", os.path.join(ROOT, "examples",
                                                                        "iris-service"))
    story.make_keys(os.path.join(folder, "keys"))
    clusters = []
    for name in ("staging", "prod"):
        sim = services.K8sSimulator.start(os.path.join(folder, name), token="tame-%s-token" % name)
        services.record(folder, "the %s Kubernetes API simulator" % name, sim.proc.pid)
        sim.control("/_simulator/config",
                    {"namespaces": ["default", "kube-system", "kube-public", name]})
        clusters.append((name, sim))
        say("%-8s a Kubernetes API simulator at %s, namespace %s" % (name + ":", sim.url, name))
    kubeconfig = two_contexts(os.path.join(folder, "kubeconfig"), clusters)
    say("kubeconfig %s holds the contexts staging and prod" % os.path.relpath(kubeconfig))
    chat = story.Webhook()
    cleanup.append(chat.stop)
    result["webhook"] = {"messages": chat.messages}
    with open(os.open(os.path.join(folder, "secrets"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
                      0o600), "w") as f:
        f.write("CHAT_WEBHOOK=%s\n" % chat.url)

    story.NAMESPACE = "staging"  # the smoke test reaches the staging pods
    port = services.free_port()
    pods = story.Pods(folder, engine, clusters[0][1], port)
    cleanup.append(pods.stop)
    argv = [tame_bin, "run", PIPELINE, "--param", "repo=../iris.git",
            "--param", "registry=" + registry, "--param", "base_image=" + env["BASE_IMAGE"],
            "--param", "allowed_signers=../keys/allowed_signers",
            "--param", "staging_url=http://127.0.0.1:%d" % port, "--secrets-file", "../secrets"]
    run_env = {k: v for k, v in os.environ.items()
               if not k.startswith(("KUBE", "TAME_", "CHAT_WEBHOOK"))}
    run_env.update(KUBECONFIG=kubeconfig, DOCKER_HOST=engine.host)
    say()
    say(shown(argv, ws).replace(PIPELINE, os.path.relpath(PIPELINE, ws)))
    tame = subprocess.Popen(argv, cwd=ws, env=run_env, stdin=subprocess.DEVNULL)
    result["tame_pid"] = tame.pid
    code = 1
    try:
        waiting = wait_report(ws, tame, lambda r: step_of(r, "signoff")["status"] == "waiting",
                              timeout=240)
        if waiting is not None:
            say()
            say("  [demo] staging answered the smoke test; alice and bob sign off:")
            for who, comment in story.SIGNERS:
                approve = [tame_bin, "approve", waiting["run"], "signoff", "--key",
                           "../keys/" + who, "--comment", comment]
                say(shown(approve, ws))
                subprocess.run(approve, cwd=ws, env=run_env, stdin=subprocess.DEVNULL,
                               timeout=60, check=True)
        code = tame.wait(timeout=300)
    finally:
        if tame.poll() is None:
            tame.send_signal(signal.SIGINT)
            try:
                tame.wait(timeout=20)
            except subprocess.TimeoutExpired:
                tame.kill()
                tame.wait()
    result["exit"] = code
    report = story.latest_report(ws)
    result["report"] = report
    story.heading("what each cluster holds")
    for name, _ in clusters:
        say("%s:" % name)
        kubectl_get(kubeconfig, name, folder, "deployment,service", "-n", name, "-o",
                    "custom-columns=KIND:.kind,NAME:.metadata.name,"
                    "IMAGE:.spec.template.spec.containers[0].image")
        if name == "prod":
            kubectl_get(kubeconfig, name, folder, "ingress,hpa", "-n", name)
    if report is not None:
        prod = step_of(report, "prod").get("outputs", {})
        say()
        say("production answers at %s (revision %s)" % (prod.get("url"), prod.get("revision")))
    say("The team's chat received %d messages." % len(chat.messages))
    return code


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder")
    parser.add_argument("--tame", default=os.path.join(ROOT, "build", "bin", "tame"))
    parser.add_argument("--result", help="write what happened here, as JSON")
    args = parser.parse_args()
    missing = [n for n in ("DOCKER_HOST", "REGISTRY", "BASE_IMAGE") if not os.environ.get(n)]
    if missing:
        print("demo_promote.py: %s not set; start the services with tests/integration/"
              "services.py start DIR and source DIR/env" % ", ".join(missing), file=sys.stderr)
        return 2
    folder = os.path.abspath(args.folder)
    services.stop_recorded(folder, quiet=True)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)

    def interrupted(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGHUP, interrupted)
    result, cleanup, code = {"folder": folder}, [], 1
    started = time.monotonic()
    try:
        code = tell(folder, os.path.abspath(args.tame), os.environ, result, cleanup)
    except KeyboardInterrupt:
        code = 130
    except (services.Unavailable, story.Failed, subprocess.SubprocessError) as e:
        print("demo_promote.py: %s" % e, file=sys.stderr)
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for stop in reversed(cleanup):
            try:
                stop()
            except OSError as e:
                print("demo_promote.py: while stopping: %s" % e, file=sys.stderr)
        services.stop_recorded(folder, quiet=True)
        result["seconds"] = round(time.monotonic() - started, 1)
        if args.result:
            result.pop("tame_pid", None)
            with open(args.result, "w") as f:
                json.dump(result, f, indent=1)
    return code


if __name__ == "__main__":
    sys.exit(main())
