"""metrics.gate, approval and notify as step processes (`tame __step KIND`,
the contract in runner/steps/step.h), with real ssh-keygen keys and a real
HTTP receiver on 127.0.0.1.

Run by ctest: gates_test.py TAME SOURCE_DIR.
"""
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest

TAME = SOURCE = None


def step(kind, params, workdir, run_id="R1", step_id="s", extra_env=None, timeout=60):
    out = os.path.join(workdir, "outputs-" + step_id)
    env = dict(os.environ, TAME_PARAMS=json.dumps(params), TAME_STEP=step_id, TAME_RUN_ID=run_id,
               TAME_WORKSPACE=workdir, TAME_OUTPUT=out,
               TAME_RUN_DIR=os.path.join(workdir, ".tame", "runs", run_id))
    env.update(extra_env or {})
    r = subprocess.run([TAME, "__step", kind], cwd=workdir, env=env, capture_output=True,
                       text=True, timeout=timeout)
    outputs = {}
    if os.path.exists(out):
        for line in open(out).read().splitlines():
            k, _, v = line.partition("=")
            outputs[k] = v
        os.unlink(out)
    return r, outputs


class MetricsGateTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        os.makedirs(os.path.join(self.dir, ".tame", "runs", "R1"))

    def tearDown(self):
        shutil.rmtree(self.dir)

    def write(self, name, text):
        with open(os.path.join(self.dir, name), "w") as f:
            f.write(text)

    def test_passes_and_writes_a_report(self):
        self.write("m.json", '{"accuracy": 0.93, "f1": {"macro": 0.9}}')
        r, outputs = step("metrics.gate", {"file": "m.json", "rules": [
            {"metric": "accuracy", "op": ">=", "value": 0.9},
            {"metric": "f1.macro", "op": ">", "value": "0.85"}]}, self.dir)
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertEqual(r.stdout.splitlines()[-1], "gate passed: 2 of 2 rules hold")
        report = json.load(open(outputs["report"]))
        self.assertTrue(report["passed"])
        self.assertEqual([m["value"] for m in report["metrics"]], [0.93, 0.9])

    def test_missing_nan_and_non_numbers_fail_closed(self):
        self.write("m.json", '{"accuracy": "high", "loss": null}')
        r, _ = step("metrics.gate", {"file": "m.json", "rules": [
            {"metric": "accuracy", "op": ">=", "value": 0.9},
            {"metric": "loss", "op": "<", "value": 1},
            {"metric": "recall", "op": ">=", "value": 0.5}]}, self.dir)
        self.assertEqual(r.returncode, 3)
        self.assertIn('FAIL: metric "accuracy" in m.json is "high", not a number', r.stdout)
        self.assertIn('FAIL: metric "loss" in m.json is null, not a number', r.stdout)
        self.assertIn('FAIL: metric "recall" is not in m.json', r.stdout)
        self.assertEqual(r.stdout.splitlines()[-1], "gate failed: 3 of 3 rules do not hold")

    def test_csv_without_the_column_and_nan(self):
        self.write("m.csv", "epoch,accuracy,loss\n1,0.7,nan\n2,0.95,NaN\n")
        r, _ = step("metrics.gate", {"file": "m.csv", "rules": [
            {"metric": "accuracy", "op": ">=", "value": 0.9},
            {"metric": "f1", "op": ">=", "value": 0.5},
            {"metric": "loss", "op": "<", "value": 1}]}, self.dir)
        self.assertEqual(r.returncode, 3)
        self.assertIn("FAIL: m.csv has no column \"f1\" (columns: epoch, accuracy, loss)", r.stdout)
        self.assertIn('FAIL: metric "loss" in m.csv is NaN', r.stdout)
        r, _ = step("metrics.gate", {"file": "m.csv", "row": "1", "rules": [
            {"metric": "accuracy", "op": ">=", "value": 0.9}]}, self.dir)
        self.assertIn("FAIL: 0.7 is not >= 0.9", r.stdout)

    def test_baseline_drop_beyond_tolerance(self):
        self.write("m.json", '{"accuracy": 0.93}')
        self.write("base.json", '{"accuracy": 0.945}')
        params = {"file": "m.json", "baseline": "base.json", "tolerance": 0.01,
                  "rules": [{"metric": "accuracy", "op": ">=", "value": 0.9}]}
        r, _ = step("metrics.gate", params, self.dir)
        self.assertEqual(r.returncode, 3)
        self.assertIn("FAIL: 0.93 is below the baseline's limit 0.93555 (baseline 0.945)",
                      r.stdout)
        params["tolerance"] = 0.02
        r, _ = step("metrics.gate", params, self.dir)
        self.assertEqual(r.returncode, 0, r.stdout)

    def test_a_missing_file_may_be_retried(self):
        r, _ = step("metrics.gate", {"file": "nope.json", "rules": [
            {"metric": "a", "op": ">", "value": 0}]}, self.dir)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stdout, "metrics.gate: nope.json: cannot open: No such file or directory\n")


def wait_for(path, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if os.path.exists(path):
            return True
        time.sleep(0.05)
    return False


class ApprovalTest(unittest.TestCase):
    """2-of-3 sign-off with real SSH keys."""

    def setUp(self):
        self.dir = tempfile.mkdtemp()
        for who in ("alice", "bob", "carol", "mallory"):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", who,
                            "-f", os.path.join(self.dir, who)], check=True)
        with open(os.path.join(self.dir, "allowed_signers"), "w") as f:
            for who in ("alice", "bob", "carol"):
                key = open(os.path.join(self.dir, who + ".pub")).read().split()[:2]
                f.write(who + " " + " ".join(key) + "\n")
        self.pipeline = {"version": 1, "name": "ap", "steps": [
            {"id": "signoff", "uses": "approval",
             "with": {"approvers": ["alice", "bob", "carol"], "required": 2,
                      "exclude_initiator": True}}]}
        with open(os.path.join(self.dir, "p.json"), "w") as f:
            json.dump(self.pipeline, f)
        canonical = subprocess.run([TAME, "fmt", "p.json"], cwd=self.dir, capture_output=True).stdout
        import hashlib
        self.hash = hashlib.sha256(canonical).hexdigest()
        self.make_run("R1")

    def tearDown(self):
        shutil.rmtree(self.dir)

    def make_run(self, run_id):
        run_dir = os.path.join(self.dir, ".tame", "runs", run_id)
        os.makedirs(run_dir)
        with open(os.path.join(run_dir, "journal.jsonl"), "w") as f:
            f.write(json.dumps({"event": "run_started", "time": "t", "run": run_id,
                                "pipeline": "ap", "hash": self.hash,
                                "file": os.path.join(self.dir, "p.json"),
                                "workspace": self.dir, "initiator": "alice"}) + "\n")
        return run_dir

    def sign_run_start(self, who, run_id="R1"):
        """What `tame run --key` leaves in the run folder."""
        path = os.path.join(self.dir, ".tame", "runs", run_id, "initiator.statement")
        with open(path, "w") as f:
            f.write("tame-run-start 1\npipeline: %s\nrun: %s\n" % (self.hash, run_id))
        subprocess.run(["ssh-keygen", "-q", "-Y", "sign", "-f", os.path.join(self.dir, who),
                        "-n", "tame-run-start", path], check=True)

    def approve(self, who, *args, run="R1", step_id="signoff"):
        return subprocess.run([TAME, "approve", run, step_id, "--key", who, *args], cwd=self.dir,
                              capture_output=True, text=True, timeout=30)

    def wait_step(self, timeout="20s", run_id="R1", **extra):
        params = {"approvers": ["alice", "bob", "carol"], "required": 2, "timeout": timeout}
        # The step hands its trail and audit to the run session through here.
        self.details = os.path.join(self.dir, "details-signoff.json")
        params.update(extra)
        holder = {}

        def run():
            holder["result"] = step("approval", params, self.dir, run_id=run_id,
                                    step_id="signoff",
                                    extra_env={"TAME_PIPELINE_HASH": self.hash,
                                               "TAME_DETAILS": self.details})
        thread = threading.Thread(target=run)
        thread.start()
        return thread, holder

    def test_two_of_three(self):
        thread, holder = self.wait_step()
        r = self.approve("bob", "--comment", "metrics are fine")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, 'bob approved step "signoff" of run R1\n'
                                   "1 of 2 approvals so far (bob)\n")
        r = self.approve("carol")
        self.assertEqual(r.stdout, 'carol approved step "signoff" of run R1\n'
                                   "signed off by bob, carol: the step goes on\n")
        thread.join(30)
        result, outputs = holder["result"]
        self.assertEqual(result.returncode, 0, result.stdout)
        self.assertEqual(outputs["approved_by"], "bob, carol")
        with open(self.details) as f:
            audit = json.load(f)["audit"]
        self.assertEqual(audit["state"], "approved")
        self.assertEqual([(s["signer"], s["decision"], s["comment"]) for s in audit["signatures"]],
                         [("bob", "approve", "metrics are fine"), ("carol", "approve", "")])

    def test_forged_replayed_unlisted_and_duplicate_are_refused(self):
        run_dir = os.path.join(self.dir, ".tame", "runs", "R1", "approvals", "signoff")
        # Unlisted: mallory's key is in no allowed_signers line.
        r = self.approve("mallory")
        self.assertEqual(r.returncode, 2)
        self.assertIn("the key is not in", r.stderr)
        # Replayed: bob signs for another run, and the file is copied here.
        self.make_run("R0")
        self.approve("bob", run="R0")
        os.makedirs(run_dir, exist_ok=True)
        other = os.path.join(self.dir, ".tame/runs/R0/approvals/signoff")
        for name in os.listdir(other):
            shutil.copy(os.path.join(other, name), os.path.join(run_dir, "0-" + name))
        # Forged: carol's statement edited after signing.
        self.approve("carol")
        carol = [n for n in os.listdir(run_dir) if n.endswith("-carol.statement")][0]
        path = os.path.join(run_dir, carol)
        text = open(path).read().replace("decision: approve", "decision: approve")
        text = text.replace("comment: ", "comment: edited")
        open(path, "w").write(text)
        # Duplicate: bob twice in this run.
        self.approve("bob")
        self.approve("bob")
        thread, holder = self.wait_step(timeout="2s")
        thread.join(30)
        result, _ = holder["result"]
        self.assertEqual(result.returncode, 3)
        log = result.stdout
        self.assertRegex(log, r'refused 0-\S+-bob.statement: signed for run R0, not R1')
        self.assertRegex(log, r'refused \S+-carol.statement: the signature does not verify for "carol"')
        self.assertRegex(log, r'refused \S+-bob.statement: "bob" has approved already; one approval a person')
        self.assertEqual(log.splitlines()[-1], "no decision within 2s: 1 of 2 approvals (bob)")

    def test_reject_ends_it_and_initiator_may_be_excluded(self):
        self.sign_run_start("alice")
        thread, holder = self.wait_step(exclude_initiator=True)
        # The step reads the proof when it starts.
        self.assertTrue(wait_for(os.path.join(self.dir, ".tame/runs/R1/approvals/signoff/"
                                              "allowed_signers")))
        r = self.approve("alice")
        self.assertEqual(r.returncode, 0)
        self.assertIn('refused', r.stderr)
        self.assertIn('"alice" started this run and may not approve it', r.stderr)
        r = self.approve("bob", "--reject", "--comment", "accuracy dropped on the new data")
        self.assertEqual(r.stdout.splitlines()[-1], "rejected by bob: the step fails")
        thread.join(30)
        result, _ = holder["result"]
        self.assertEqual(result.returncode, 3)
        self.assertEqual(result.stdout.splitlines()[-1],
                         "rejected by bob: accuracy dropped on the new data")

    def test_exclude_initiator_without_a_signed_start_fails_at_once(self):
        thread, holder = self.wait_step(exclude_initiator=True)
        thread.join(30)
        result, _ = holder["result"]
        self.assertEqual(result.returncode, 3)
        self.assertEqual(result.stdout,
                         "approval: exclude_initiator needs a run started with tame run --key KEY, "
                         "signed by a key in %s/allowed_signers: the run's signed start statement "
                         "(%s/.tame/runs/R1/initiator.statement) cannot be read: cannot read: No "
                         "such file or directory\n" % (self.dir, self.dir))
        # A start statement of another run does not count either.
        self.make_run("R2")
        self.sign_run_start("alice", run_id="R2")
        shutil.copy(os.path.join(self.dir, ".tame/runs/R2/initiator.statement"),
                    os.path.join(self.dir, ".tame/runs/R1/initiator.statement"))
        shutil.copy(os.path.join(self.dir, ".tame/runs/R2/initiator.statement.sig"),
                    os.path.join(self.dir, ".tame/runs/R1/initiator.statement.sig"))
        thread, holder = self.wait_step(exclude_initiator=True)
        thread.join(30)
        result, _ = holder["result"]
        self.assertEqual(result.returncode, 3)
        self.assertIn("the run's start statement is not this run's", result.stdout)

    def test_timeout(self):
        start = time.monotonic()
        thread, holder = self.wait_step(timeout="1s")
        thread.join(30)
        result, _ = holder["result"]
        self.assertEqual(result.returncode, 3)
        self.assertEqual(result.stdout.splitlines()[-1], "no decision within 1s: 0 of 2 approvals")
        self.assertLess(time.monotonic() - start, 15)

    def test_approve_errors(self):
        self.assertIn("no run \"R7\"", self.approve("bob", run="R7").stderr)
        r = self.approve("bob", step_id="deploy")
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stderr, 'tame: run R1 has no step "deploy"\n')
        r = self.approve("bob", "--as", "carol")
        self.assertEqual(r.stderr, 'tame: the key does not sign for "carol" in ' + self.dir +
                         '/allowed_signers (it signs for bob)\n')


class Receiver:
    """An HTTP server on 127.0.0.1 that records POSTs and answers `status`."""

    def __init__(self, status=200):
        received = self.received = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass
        self.server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d/hook" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class NotifyTest(unittest.TestCase):
    def test_delivers_json(self):
        receiver = Receiver()
        try:
            with tempfile.TemporaryDirectory() as d:
                r, outputs = step("notify", {"webhook": receiver.url, "message": "iris is live"}, d,
                                  step_id="announce", extra_env={"TAME_PIPELINE": "iris"})
        finally:
            receiver.close()
        self.assertEqual(r.returncode, 0)
        self.assertEqual(r.stdout, "notified\n")
        self.assertEqual(outputs, {"delivered": "true"})
        self.assertEqual(receiver.received, [{"text": "iris is live", "pipeline": "iris",
                                              "run": "R1", "step": "announce"}])

    def test_a_failed_notification_is_a_warning(self):
        receiver = Receiver(status=503)
        try:
            with tempfile.TemporaryDirectory() as d:
                r, outputs = step("notify", {"webhook": receiver.url, "message": "x"}, d)
        finally:
            receiver.close()
        self.assertEqual(r.returncode, 0)
        self.assertEqual(r.stdout, "warning: the notification was not delivered: the webhook "
                                   "answered HTTP 503 (after 3 attempts)\n")
        self.assertEqual(outputs, {"delivered": "false"})
        self.assertEqual(len(receiver.received), 3)


if __name__ == "__main__":
    TAME, SOURCE = os.path.abspath(sys.argv[1]), sys.argv[2]
    unittest.main(argv=sys.argv[:1], verbosity=1)
