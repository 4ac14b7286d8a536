"""The whole story `make demo` tells, examples/iris-to-k8s-local.json, run
the way the demo runs it: services.py starts a Docker engine (when none runs)
and a registry, then scripts/demo_k8s.py, the demo's own code, runs the
pipeline with the Kubernetes API simulator, SSH sign-offs by alice and bob,
the deployed image on the real engine for the smoke test, and a webhook
receiver. This test checks what came of it.

Run by ctest: delivery_demo_test.py TAME SOURCE_DIR. Exits 77 (skipped, with
the reason) when no Docker engine can run here.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

TAME = SOURCE = None
DIR = None
RUN = {}  # what setUpModule saw: the demo's exit status, output and result
STEPS = ["checkout", "train", "gate", "signoff", "build", "push", "deploy", "smoke", "announce"]


def services(*args):
    return subprocess.run(["/usr/bin/python3", os.path.join(SOURCE, "tests", "integration",
                                                            "services.py"), *args],
                          capture_output=True, text=True, timeout=300)


def setUpModule():
    env = dict(os.environ)
    with open(os.path.join(DIR, "services", "env")) as f:
        for line in f.read().splitlines():
            name, _, value = line.partition("=")
            env[name] = value
    RUN["env"] = env
    result_path = os.path.join(DIR, "result.json")
    r = subprocess.run(["/usr/bin/python3", os.path.join(SOURCE, "scripts", "demo_k8s.py"),
                        os.path.join(DIR, "k8s"), "--tame", TAME, "--result", result_path],
                       env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       timeout=240)
    RUN.update(code=r.returncode, out=r.stdout, err=r.stderr)
    with open(result_path) as f:
        RUN["result"] = json.load(f)


def stop_all():
    services("stop", os.path.join(DIR, "k8s"))  # nothing, unless the demo failed to stop it
    services("stop", os.path.join(DIR, "promote"))
    services("stop", os.path.join(DIR, "services"))


class DeliveryDemoTest(unittest.TestCase):
    def setUp(self):
        self.result = RUN["result"]
        self.report = self.result.get("report") or {}
        self.steps = {s["id"]: s for s in self.report.get("steps", [])}

    def test_the_run_succeeded(self):
        self.assertEqual(RUN["code"], 0, RUN["out"][-3000:] + RUN["err"])
        self.assertEqual(self.result["exit"], 0)
        self.assertEqual(self.report["status"], "succeeded")
        self.assertEqual([(s["id"], s["status"]) for s in self.report["steps"]],
                         [(step, "succeeded") for step in STEPS])
        # The report the result carries is the run folder's report.json.
        run_dir = os.path.join(DIR, "k8s", "ws", ".tame", "runs", self.report["run"])
        with open(os.path.join(run_dir, "report.json")) as f:
            self.assertEqual(json.load(f), self.report)

    def test_alice_and_bob_signed_off_while_the_run_waited(self):
        signoff = self.steps["signoff"]
        self.assertEqual([(a["who"], a["decision"], a["accepted"]) for a in signoff["approvals"]],
                         [("alice", "approve", True), ("bob", "approve", True)])
        self.assertEqual(signoff["outputs"], {"approved_by": "alice, bob"})
        self.assertIn("step signoff is waiting: 0 of 2 sign-offs so far", RUN["out"])
        self.assertIn("signoff is waiting, 1 of 2 sign-offs accepted", RUN["out"])

    def test_the_simulator_runs_the_pushed_digest(self):
        ref = self.steps["push"]["outputs"]["ref"]
        registry = RUN["env"]["REGISTRY"]
        sha = self.steps["checkout"]["outputs"]["sha"]
        self.assertRegex(ref, r"^%s/iris@sha256:[0-9a-f]{64}$" % re.escape(registry))
        self.assertEqual(ref.split("@")[1], self.steps["push"]["outputs"]["digest"])
        deployment = self.result["deployment"]
        self.assertEqual(deployment["spec"]["template"]["spec"]["containers"][0]["image"], ref)
        self.assertEqual(deployment["metadata"]["namespace"], "ml")
        self.assertEqual(deployment["status"]["availableReplicas"], 2)
        self.assertEqual(self.steps["deploy"]["outputs"],
                         {"revision": "1", "url": "http://iris.ml.svc:8080"})
        # The registry has that manifest under the commit's tag.
        sys.path.insert(0, os.path.join(SOURCE, "tests", "integration"))
        from services import Registry
        port = int(registry.rsplit(":", 1)[1])
        self.assertEqual(Registry(None, port, None).manifest_digest("iris", sha),
                         self.steps["push"]["outputs"]["digest"])
        # The smoke test reached that image, run from the registry.
        self.assertEqual(self.result["served_image"], ref)
        self.assertEqual(self.steps["smoke"]["outputs"], {"status": "200"})

    def test_the_webhook_received_the_messages(self):
        messages = self.result["webhook"]["messages"]
        by_step = {m["step"]: m for m in messages}
        self.assertEqual(sorted(by_step), ["announce", "signoff"])
        announce = by_step["announce"]
        self.assertEqual(announce["text"], "iris %s is live as %s (revision 1)"
                         % (self.steps["checkout"]["outputs"]["sha"],
                            self.steps["push"]["outputs"]["ref"]))
        self.assertEqual((announce["pipeline"], announce["run"]),
                         ("iris-to-k8s-local", self.report["run"]))
        self.assertIn("tame approve %s signoff" % self.report["run"], by_step["signoff"]["text"])

    def test_the_webhook_url_is_nowhere_in_the_run(self):
        url = self.result["webhook"]["url"]
        token = url.rsplit("/", 1)[1]
        self.assertEqual(len(token), 32)
        tame_dir = os.path.join(DIR, "k8s", "ws", ".tame")
        files = 0
        for root, _, names in os.walk(tame_dir):
            for name in names:
                with open(os.path.join(root, name), "rb") as f:
                    data = f.read()
                files += 1
                self.assertNotIn(token.encode(), data, os.path.join(root, name))
        self.assertGreater(files, 5)
        self.assertNotIn(token, RUN["out"] + RUN["err"])

    def test_the_story_is_told_and_everything_stopped(self):
        out = RUN["out"]
        self.assertIn("the Kubernetes API simulator at https://127.0.0.1:", out)
        self.assertIn("$ cd %s && tame show %s" % (os.path.relpath(
            os.path.join(DIR, "k8s", "ws")), self.report["run"]), out)
        self.assertRegex(out, r"\n  deploy +succeeded")
        self.assertIn("The run's report: ", out)
        if shutil.which("kubectl"):
            self.assertIn("REVISION  CHANGE-CAUSE", out)
            self.assertIn(self.steps["push"]["outputs"]["ref"], out)
        # The simulator is gone, and so is the container of the image.
        with self.assertRaises(ProcessLookupError):
            os.kill(self.result["k8s"]["pid"], 0)
        self.assertFalse(os.path.exists(os.path.join(DIR, "k8s", "pids.json")))
        from services import Dockerd
        status, body = Dockerd(RUN["env"]["DOCKER_HOST"]).api("GET", "/containers/json?all=1")
        self.assertEqual(status, 200)
        self.assertEqual([c["Id"] for c in json.loads(body)
                          if c["Image"] == self.steps["push"]["outputs"]["ref"]], [])


class PromoteDemoTest(unittest.TestCase):
    """scripts/demo_promote.py: examples/promote.json against two simulators."""

    @classmethod
    def setUpClass(cls):
        result_path = os.path.join(DIR, "promote.json")
        r = subprocess.run(["/usr/bin/python3", os.path.join(SOURCE, "scripts",
                                                             "demo_promote.py"),
                            os.path.join(DIR, "promote"), "--tame", TAME, "--result",
                            result_path],
                           env=RUN["env"], stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, timeout=300)
        cls.code, cls.out = r.returncode, r.stdout + r.stderr
        with open(result_path) as f:
            cls.result = json.load(f)

    def test_the_same_digest_reaches_both_clusters(self):
        self.assertEqual(self.code, 0, self.out[-3000:])
        steps = {s["id"]: s for s in self.result["report"]["steps"]}
        self.assertEqual([s["status"] for s in steps.values()], ["succeeded"] * 8)
        ref = steps["push"]["outputs"]["ref"]
        self.assertIn("@sha256:", ref)
        self.assertEqual(steps["prod"]["outputs"]["url"], "https://iris.example.org/")
        self.assertEqual(steps["staging"]["outputs"]["url"], "http://iris.staging.svc:8080")
        self.assertIn('Kubernetes API %s' % "https://127.0.0.1:", self.out)
        self.assertIn('(context "staging" of kubeconfig', self.out)
        self.assertIn('(context "prod" of kubeconfig', self.out)
        self.assertEqual(self.out.count(ref.split("/", 1)[1].split("@")[1]) >= 2, True)
        self.assertIn("ingress.networking.k8s.io/iris", self.out)
        self.assertIn("horizontalpodautoscaler.autoscaling/iris", self.out)
        self.assertEqual(len(self.result["webhook"]["messages"]), 2)
        self.assertFalse(os.path.exists(os.path.join(DIR, "promote", "pids.json")))


def main():
    global TAME, SOURCE, DIR
    TAME, SOURCE = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    sys.path.insert(0, os.path.join(SOURCE, "tests", "integration"))
    DIR = tempfile.mkdtemp(prefix="tame-delivery-demo-")
    try:
        started = services("start", os.path.join(DIR, "services"))
        if started.returncode == 77:
            print("SKIPPED: no Docker engine can run here: " + started.stderr.strip())
            return 77
        if started.returncode != 0:
            print("services.py start: %d %s" % (started.returncode, started.stderr))
            return 1
        program = unittest.main(argv=[sys.argv[0]] + sys.argv[3:], exit=False, verbosity=2)
        return 0 if program.result.wasSuccessful() else 1
    finally:
        stop_all()
        shutil.rmtree(DIR, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
