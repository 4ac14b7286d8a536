"""report.json, version 1, against schemas/report.schema.json, from real runs
of the built tame: a run that succeeds (with a cached step), one that fails,
a metrics gate (its table in the report and as JUnit test cases), and an
approval step read while it waits for sign-off and after.

Run by ctest: report_test.py TAME SOURCE_DIR. Uses the jsonschema module of
Debian's /usr/bin/python3 (python3-jsonschema) and the real ssh-keygen.
"""
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import xml.etree.ElementTree as ET

import jsonschema

TAME = SOURCE = None


class ReportTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(os.path.join(SOURCE, "schemas", "report.schema.json")) as f:
            cls.schema = json.load(f)
        jsonschema.Draft202012Validator.check_schema(cls.schema)
        cls.validator = jsonschema.Draft202012Validator(cls.schema)

    def setUp(self):
        self.dir = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.dir)

    def write(self, name, text):
        with open(os.path.join(self.dir, name), "w") as f:
            f.write(text)

    def pipeline(self, name, steps, **extra):
        doc = {"version": 1, "name": name, **extra, "steps": steps}
        self.write("p.json", json.dumps(doc))

    def tame(self, *args, timeout=60):
        return subprocess.run([TAME, *args], cwd=self.dir, capture_output=True, text=True,
                              timeout=timeout, env=dict(os.environ, NO_COLOR="1"))

    @contextlib.contextmanager
    def running(self, *args):
        """`tame ARGS` in the background; killed on the way out if still running."""
        proc = subprocess.Popen([TAME, *args], cwd=self.dir, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        try:
            yield proc
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()

    def runs(self):
        return sorted(os.listdir(os.path.join(self.dir, ".tame", "runs")))

    def report(self, run=None):
        run = run or self.runs()[-1]
        with open(os.path.join(self.dir, ".tame", "runs", run, "report.json")) as f:
            return json.load(f)

    def assert_valid(self, report):
        errors = ["%s: %s" % ("/".join(map(str, e.absolute_path)), e.message)
                  for e in self.validator.iter_errors(report)]
        self.assertEqual(errors, [], json.dumps(report, indent=1))

    def test_a_run_that_succeeds(self):
        self.pipeline("ok", [
            {"id": "make", "uses": "shell", "with": {"run": "echo built > out.txt"},
             "outputs": {"file": {"path": "out.txt"}}, "cache": True},
            {"id": "use", "uses": "shell", "name": "Use it",
             "with": {"run": "cat ${{ steps.make.outputs.file }}"}},
            {"id": "rescue", "uses": "shell", "needs": ["use"], "if": "failure",
             "with": {"run": "true"}}],
            params={"n": {"type": "integer", "default": 3}})
        r = self.tame("run", "p.json")
        self.assertEqual(r.returncode, 0, r.stderr)
        report = self.report()
        self.assert_valid(report)
        self.assertEqual(report["version"], 1)
        self.assertEqual(report["status"], "succeeded")
        self.assertEqual(report["params"], {"n": 3})
        self.assertEqual([s["status"] for s in report["steps"]],
                         ["succeeded", "succeeded", "skipped"])
        self.assertEqual(report["steps"][1]["log"], "logs/use.log")
        r = self.tame("run", "p.json")
        self.assertEqual(r.returncode, 0, r.stderr)
        report = self.report()
        self.assert_valid(report)
        self.assertEqual(report["steps"][0]["status"], "cached")
        self.assertTrue(report["steps"][0]["cached"])
        self.assertEqual(report["steps"][0]["attempts"], 0)

    def test_a_run_that_fails(self):
        self.pipeline("bad", [
            {"id": "flaky", "uses": "shell", "with": {"run": "echo no; exit 4"},
             "retries": {"max": 1, "backoff": "10ms"}},
            {"id": "after", "uses": "shell", "needs": ["flaky"], "with": {"run": "true"}},
            {"id": "slow", "uses": "shell", "timeout": "200ms", "with": {"run": "sleep 5"}}])
        r = self.tame("run", "p.json", "-j", "2")
        self.assertEqual(r.returncode, 1, r.stderr)
        report = self.report()
        self.assert_valid(report)
        self.assertEqual(report["status"], "failed")
        flaky, after, slow = report["steps"]
        self.assertEqual((flaky["status"], flaky["attempts"], flaky["exit_code"], flaky["error"]),
                         ("failed", 2, 4, "exit code 4"))
        self.assertEqual(after["status"], "skipped")
        self.assertNotIn("error", after)
        self.assertEqual((slow["status"], slow["error"]), ("failed", "timed out after 200ms"))

    def test_gate_table_in_the_report_and_junit(self):
        self.pipeline("gt", [
            {"id": "train", "uses": "shell",
             "with": {"run": "echo '{\"accuracy\": 0.93, \"loss\": 0.5}' > m.json"},
             "outputs": {"metrics": {"path": "m.json"}}},
            {"id": "gate", "uses": "metrics.gate",
             "with": {"file": "${{ steps.train.outputs.metrics }}",
                      "rules": [{"metric": "accuracy", "op": ">=", "value": 0.9},
                                {"metric": "loss", "op": "<=", "value": 0.4},
                                {"metric": "f1", "op": ">", "value": 0.5}]}}])
        r = self.tame("run", "p.json", "--junit", "j.xml")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        report = self.report()
        self.assert_valid(report)
        gate = report["steps"][1]
        self.assertEqual(gate["status"], "failed")
        self.assertEqual(gate["gate"], {"file": "m.json", "rows": [
            {"metric": "accuracy", "op": ">=", "threshold": 0.9, "value": 0.93,
             "baseline": None, "pass": True},
            {"metric": "loss", "op": "<=", "threshold": 0.4, "value": 0.5,
             "baseline": None, "pass": False, "message": "0.5 is not <= 0.4"},
            {"metric": "f1", "op": ">", "threshold": 0.5, "value": None,
             "baseline": None, "pass": False, "message": "metric \"f1\" is not in m.json"}]})
        # The log keeps its table.
        with open(os.path.join(self.dir, ".tame", "runs", self.runs()[-1], "logs",
                               "gate.log")) as f:
            log = f.read()
        self.assertIn("FAIL: 0.5 is not <= 0.4", log)
        self.assertTrue(log.endswith("gate failed: 2 of 3 rules do not hold\n"), log)

        suite = ET.parse(os.path.join(self.dir, "j.xml")).getroot().find("testsuite")
        self.assertEqual((suite.get("tests"), suite.get("failures")), ("5", "3"))
        cases = {(c.get("classname"), c.get("name")): c for c in suite.findall("testcase")}
        self.assertEqual(sorted(cases), [("gt", "gate"), ("gt", "train"),
                                         ("gt.gate", "accuracy >= 0.9"),
                                         ("gt.gate", "f1 > 0.5"), ("gt.gate", "loss <= 0.4")])
        self.assertIsNone(cases[("gt.gate", "accuracy >= 0.9")].find("failure"))
        self.assertEqual(cases[("gt.gate", "loss <= 0.4")].find("failure").get("message"),
                         "0.5 is not <= 0.4")
        self.assertIsNotNone(cases[("gt.gate", "f1 > 0.5")].find("failure"))

    def keys(self):
        for who in ("alice", "bob", "carol"):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", who,
                            "-f", os.path.join(self.dir, who)], check=True)
        with open(os.path.join(self.dir, "allowed_signers"), "w") as f:
            for who in ("alice", "bob", "carol"):
                with open(os.path.join(self.dir, who + ".pub")) as pub:
                    key = pub.read().split()[:2]
                f.write(who + " " + " ".join(key) + "\n")

    def wait_report(self, check, timeout=20):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            try:
                runs = self.runs()
                last = self.report(runs[-1]) if runs else None
            except (OSError, ValueError):
                last = None
            if last is not None and check(last):
                return last
            time.sleep(0.1)
        self.fail("the report never got there: " + json.dumps(last, indent=1))

    def test_approval_trail_while_waiting_and_after(self):
        self.keys()
        self.pipeline("ap", [
            {"id": "build", "uses": "shell", "with": {"run": "true"}},
            {"id": "signoff", "uses": "approval", "needs": ["build"],
             "with": {"approvers": ["alice", "bob", "carol"], "required": 2,
                      "timeout": "60s"}},
            {"id": "ship", "uses": "shell", "needs": ["signoff"], "with": {"run": "true"}}])
        with self.running("run", "p.json") as tame:
            waiting = self.wait_report(lambda r: r["steps"][1]["status"] == "waiting")
            self.assert_valid(waiting)
            self.assertEqual(waiting["status"], "running")
            self.assertEqual([s["status"] for s in waiting["steps"]],
                             ["succeeded", "waiting", "not run"])
            run = waiting["run"]

            def approve(who):
                r = subprocess.run([TAME, "approve", run, "signoff", "--key", who,
                                    "--comment", "fine by " + who],
                                   cwd=self.dir, capture_output=True, text=True, timeout=30)
                self.assertEqual(r.returncode, 0, r.stderr)
            approve("bob")
            # New sign-offs reach the report while the step still waits.
            so_far = self.wait_report(lambda r: len(r["steps"][1].get("approvals", [])) == 1)
            self.assert_valid(so_far)
            self.assertEqual(so_far["steps"][1]["status"], "waiting")
            approve("bob")
            approve("carol")
            out, err = tame.communicate(timeout=60)
        self.assertEqual(tame.returncode, 0, out + err)
        report = self.report()
        self.assert_valid(report)
        self.assertEqual(report["status"], "succeeded")
        trail = report["steps"][1]["approvals"]
        self.assertEqual([(a["who"], a["decision"], a["comment"], a["accepted"],
                           a.get("reason")) for a in trail],
                         [("bob", "approve", "fine by bob", True, None),
                          ("bob", "approve", "fine by bob", False, "duplicate"),
                          ("carol", "approve", "fine by carol", True, None)])
        self.assertEqual(trail[1]["message"], '"bob" has approved already; one approval a person')
        self.assertRegex(trail[0]["at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertEqual(report["steps"][1]["outputs"], {"approved_by": "bob, carol"})

    def test_approve_reads_params_the_run_was_given(self):
        # tame approve finds allowed_signers and required as the waiting
        # step does: with the run's params in their references.
        self.keys()
        os.makedirs(os.path.join(self.dir, "keys"))
        os.replace(os.path.join(self.dir, "allowed_signers"),
                   os.path.join(self.dir, "keys", "signers"))
        self.pipeline("ap", [
            {"id": "signoff", "uses": "approval",
             "with": {"approvers": ["alice", "bob", "carol"], "required": "${{ params.n }}",
                      "allowed_signers": "${{ params.signers }}", "timeout": "60s"}}],
            params={"signers": {"type": "string", "default": "nowhere"},
                    "n": {"type": "integer", "default": 3}})
        with self.running("run", "p.json", "--param", "signers=keys/signers",
                          "--param", "n=1") as tame:
            run = self.wait_report(lambda r: r["steps"][0]["status"] == "waiting")["run"]
            r = self.tame("approve", run, "signoff", "--key", "carol")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stdout.splitlines()[-1], "signed off by carol: the step goes on")
            out, err = tame.communicate(timeout=60)
        self.assertEqual(tame.returncode, 0, out + err)

    def test_a_long_run_shows_running_steps(self):
        self.pipeline("long", [
            {"id": "quick", "uses": "shell", "with": {"run": "true"}},
            {"id": "slow", "uses": "shell", "needs": ["quick"],
             "with": {"run": "touch started; while [ ! -f go ]; do sleep 0.05; done"}}])
        with self.running("run", "p.json") as tame:
            mid = self.wait_report(lambda r: r["steps"][1]["status"] == "running")
            self.assert_valid(mid)
            self.assertEqual(mid["status"], "running")
            self.assertEqual(mid["steps"][0]["status"], "succeeded")
            self.write("go", "")
            out, err = tame.communicate(timeout=60)
        self.assertEqual(tame.returncode, 0, out + err)
        final = self.report()
        self.assert_valid(final)
        self.assertEqual([s["status"] for s in final["steps"]], ["succeeded", "succeeded"])


if __name__ == "__main__":
    TAME, SOURCE = os.path.abspath(sys.argv[1]), sys.argv[2]
    unittest.main(argv=sys.argv[:1], verbosity=1)
