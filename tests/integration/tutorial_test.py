"""The README's tutorial, run as written, up to a deployed model.

Run by ctest: tutorial_test.py TAME SOURCE_DIR. Takes the code blocks of the
README's "## Tutorial" section that follow a `<!-- tutorial... -->` marker and
runs them in order, each line in bash, in a fresh folder, with the directory
of TAME first on PATH; `cd` carries over from block to block as in a
terminal. The markers:

- `<!-- tutorial -->`: each line must exit 0;
- `<!-- tutorial: interactive -->`: a server the reader stops with Ctrl-C: it
  is started, its address fetched, and stopped with SIGINT;
- `<!-- tutorial: your setup -->`: the reader's own values, as `export NAME=`
  lines; the test sets the same names to what it starts itself: a bare git
  repository of examples/iris-service (its Dockerfile's BASE made the local
  busybox image, as no image can be pulled here), a registry with a password,
  the Docker engine, the Kubernetes API simulator of tests/k8s_simulator/ (no
  cluster can run here; it runs no pods, so the test runs the image the
  Deployment names with the real engine on SERVICE_URL, as scripts/demo_k8s.py
  does) and a webhook receiver; KUBECONFIG and DOCKER_HOST point at them;
- `<!-- tutorial: first terminal -->`: one command started and left running
  until it prints a `tame approve` command;
- `<!-- tutorial: second terminal -->`: run while it runs; the first
  terminal's command must then end with 0 before the next block.

Exits 77 (skipped, with the reason) when no Docker engine can run here.
"""
import glob
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.request

TAME = SOURCE = None
SETUP = {}  # what the test started: "env" (the reader's setup), "pods", "chat", "k8s"
SETUP_NAMES = ["MODEL_REPO", "IMAGE", "SERVICE_URL", "REGISTRY_PASSWORD", "SLACK_WEBHOOK"]


def tutorial_blocks():
    with open(os.path.join(SOURCE, "README.md")) as f:
        readme = f.read()
    section = re.search(r"^## Tutorial.*?(?=^## )", readme, re.S | re.M)
    assert section, "README.md has no '## Tutorial' section"
    return [(kind, body) for kind, body in re.findall(
        r"<!-- tutorial(?:: ([a-z ]+))? -->\n```\n(.*?)```", section.group(0), re.S)]


class TutorialTest(unittest.TestCase):
    def test_tutorial_as_written(self):
        blocks = tutorial_blocks()
        self.assertGreaterEqual(len(blocks), 9)
        self.assertIn("tame init", blocks[0][1])
        self.assertEqual(sorted(set(kind for kind, _ in blocks)),
                         ["", "first terminal", "interactive", "second terminal", "your setup"])
        cwd = tempfile.mkdtemp(prefix="tame-tutorial-")
        start = cwd
        env = dict(os.environ, PATH=os.path.dirname(TAME) + ":" + os.environ["PATH"])
        for key in ["DISPLAY", "WAYLAND_DISPLAY", "KUBECONFIG"] + SETUP_NAMES:
            env.pop(key, None)
        env.update(SETUP["host"])
        first = None
        for kind, body in blocks:
            if kind == "your setup":
                names = re.findall(r"^export ([A-Z_]+)=", body, re.M)
                self.assertEqual(names, SETUP_NAMES, "the README's setup block changed")
                env.update(SETUP["env"])
                continue
            if kind == "first terminal":
                self.assertEqual(len(body.strip().splitlines()), 1)
                first = FirstTerminal(body.strip(), cwd, env)
                self.assertTrue(first.wait_for("tame approve ", 240),
                                "%s\n%s" % (body, first.text()))
                continue
            if kind == "" and first is not None:
                self.assertEqual(first.wait(300), 0, first.text())
                first = None
            for line in body.strip().splitlines():
                if kind == "interactive":
                    self.interactive(line, cwd, env)
                    continue
                marker = os.path.join(start, ".cwd")
                r = subprocess.run(["bash", "-e", "-c", line + '\npwd > "$0"', marker], cwd=cwd,
                                   env=env, capture_output=True, text=True,
                                   stdin=subprocess.DEVNULL, timeout=300)
                self.assertEqual(r.returncode, 0, "%s\n%s%s" % (line, r.stdout, r.stderr))
                with open(marker) as f:
                    cwd = f.read().strip()
        # What the tutorial says it leaves behind.
        runs = glob.glob(os.path.join(start, "my-model", ".tame", "runs", "*", "report.json"))
        self.assertEqual(len(runs), 2)
        with open(os.path.join(start, "my-model", ".gitignore")) as f:
            self.assertEqual(f.read(), ".tame/\n")
        self.assertTrue(os.path.isfile(os.path.join(start, "iris", "iris.argo.yaml")))
        # The model is deployed: every step succeeded, the two sign-offs were
        # accepted, the Deployment names the pushed digest, the image answers
        # where the smoke test asked, and the chat heard of it.
        reports = glob.glob(os.path.join(start, "iris", ".tame", "runs", "*", "report.json"))
        self.assertEqual(len(reports), 1)
        with open(reports[0]) as f:
            report = json.load(f)
        self.assertEqual(report["status"], "succeeded")
        steps = {s["id"]: s for s in report["steps"]}
        self.assertEqual([(s["id"], s["status"]) for s in report["steps"]],
                         [(i, "succeeded") for i in ["checkout", "train", "gate", "signoff",
                                                     "build", "push", "deploy", "smoke",
                                                     "announce"]])
        self.assertEqual([(a["who"], a["accepted"]) for a in steps["signoff"]["approvals"]],
                         [("alice", True), ("bob", True)])
        ref = steps["push"]["outputs"]["ref"]
        self.assertRegex(ref, r"^%s@sha256:[0-9a-f]{64}$" % re.escape(SETUP["env"]["IMAGE"]))
        deployment = SETUP["k8s"].get("/apis/apps/v1/namespaces/ml/deployments/iris")
        self.assertEqual(deployment["spec"]["template"]["spec"]["containers"][0]["image"], ref)
        self.assertEqual(SETUP["pods"].image, ref)
        with urllib.request.urlopen(SETUP["env"]["SERVICE_URL"] + "/healthz", timeout=30) as r:
            self.assertEqual(r.read(), b"ok\n")
        texts = [m.get("text", "") for m in SETUP["chat"].messages]
        self.assertTrue(any("is live as " + ref in text for text in texts), texts)
        for path in glob.glob(os.path.join(start, "iris", ".tame", "runs", "*", "**"),
                              recursive=True):
            if os.path.isfile(path):
                with open(path, "rb") as f:
                    data = f.read()
                for name in ("REGISTRY_PASSWORD", "SLACK_WEBHOOK"):
                    self.assertNotIn(SETUP["env"][name].encode(), data, path)

    def interactive(self, line, cwd, env):
        proc = subprocess.Popen(["bash", "-c", "exec " + line], cwd=cwd, env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL)
        try:
            out = ""
            while "Press Ctrl-C to stop." not in out:
                chunk = proc.stdout.readline()
                if not chunk:
                    self.fail("%s ended: %s%s" % (line, out, proc.stderr.read()))
                out += chunk
            url = re.search(r"http://127\.0\.0\.1:\d+/\S*", out).group(0)
            with urllib.request.urlopen(url, timeout=30) as page:
                self.assertEqual(page.status, 200)
            served = url.split("?open=")[1]
            with urllib.request.urlopen(url.split("?")[0] + served, timeout=30) as file:
                with open(os.path.join(cwd, "pipeline.json"), "rb") as f:
                    self.assertEqual(file.read(), f.read())
            proc.send_signal(signal.SIGINT)
            self.assertEqual(proc.wait(timeout=30), 130)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stdout.close()
            proc.stderr.close()


class FirstTerminal:
    """A command left running in its terminal; its output read as it comes."""

    def __init__(self, line, cwd, env):
        self.proc = subprocess.Popen(["bash", "-c", line], cwd=cwd, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        self.chunks = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in iter(self.proc.stdout.readline, b""):
            self.chunks.append(line.decode(errors="replace"))

    def text(self):
        return "".join(self.chunks)

    def wait_for(self, text, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.text():
                return True
            if self.proc.poll() is not None:
                self.reader.join(timeout=10)
                return text in self.text()
            time.sleep(0.1)
        return False

    def wait(self, timeout):
        try:
            return self.proc.wait(timeout=timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGINT)
                self.proc.wait(timeout=30)
            self.reader.join(timeout=10)
            self.proc.stdout.close()


def start_services(folder):
    """The reader's setup, on 127.0.0.1; fills SETUP. Raises
    services.Unavailable when no Docker engine can run here."""
    import services
    sys.path.insert(0, os.path.join(SOURCE, "scripts"))
    import demo_k8s
    engine = services.Dockerd.start(folder)
    if engine.owned:
        services.record(folder, "the Docker engine", engine.proc.pid, root=engine.root)
    password = secrets.token_hex(12)
    registry = services.Registry.start(folder, user="ci",
                                       password=password)
    services.record(folder, "the registry", registry.proc.pid, root=registry.root)
    base = services.import_base_image(engine)
    model = os.path.join(folder, "iris-service")
    shutil.copytree(os.path.join(SOURCE, "examples", "iris-service"), model)
    dockerfile = os.path.join(model, "Dockerfile")
    with open(dockerfile) as f:
        text = f.read()
    with open(dockerfile, "w") as f:
        f.write(text.replace("ARG BASE=busybox:1.36", "ARG BASE=" + base))
    bare, _, _ = services.make_bare_repo(folder, "iris", model)
    k8s = services.K8sSimulator.start(os.path.join(folder, "k8s"))
    services.record(folder, "the Kubernetes API simulator", k8s.proc.pid)
    k8s.control("/_simulator/config", {"namespaces": ["default", "kube-system", "ml"]})
    chat = demo_k8s.Webhook()
    port = services.free_port()
    pods = demo_k8s.Pods(folder, engine, k8s, port, auth=("ci", password))
    SETUP.update(k8s=k8s, chat=chat, pods=pods, host={
        "DOCKER_HOST": engine.host, "KUBECONFIG": k8s.kubeconfig}, env={
        "MODEL_REPO": bare, "IMAGE": registry.address + "/ml/iris",
        "SERVICE_URL": "http://127.0.0.1:%d" % port, "REGISTRY_PASSWORD": password,
        "SLACK_WEBHOOK": chat.url})


def main():
    global TAME, SOURCE
    TAME, SOURCE = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    sys.path.insert(0, os.path.join(SOURCE, "tests", "integration"))
    import services
    folder = tempfile.mkdtemp(prefix="tame-tutorial-services-")
    try:
        try:
            start_services(folder)
        except services.Unavailable as e:
            print("SKIPPED: no Docker engine can run here: %s" % e)
            return 77
        program = unittest.main(argv=sys.argv[:1], exit=False, verbosity=1)
        return 0 if program.result.wasSuccessful() else 1
    finally:
        if "pods" in SETUP:
            SETUP["pods"].stop()
        if "chat" in SETUP:
            SETUP["chat"].stop()
        services.stop_recorded(folder, quiet=True)
        services.remove_tree(folder)


if __name__ == "__main__":
    sys.exit(main())
