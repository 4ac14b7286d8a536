"""Sign-off under attack, with the built tame, real SSH keys and real FIFOs:
the initiator proven by `tame run --key`, allowed_signers read once and
recorded, one approval a key, and an approvals folder holding FIFOs,
sockets, links, folders and huge files that never freezes the gate.

Run by ctest: signoff_test.py TAME SOURCE_DIR.
"""
import base64
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest

TAME = SOURCE = None


def read(path, mode="r"):
    with open(path, mode) as f:
        return f.read()


def fingerprint(pub):
    """SHA256:... of a public key file, as ssh-keygen -l prints it."""
    blob = base64.b64decode(read(pub).split()[1])
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


class SignoffTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.procs = []
        for who in ("alice", "bob", "carol", "mallory"):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", who,
                            "-f", self.path(who)], check=True)
        # bob's key is listed twice, as bob and as bobby; alice's as alice and al.
        self.write_signers([("alice", "alice"), ("al", "alice"), ("bob", "bob"),
                            ("bobby", "bob"), ("carol", "carol")])

    def tearDown(self):
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
            proc.communicate()
        shutil.rmtree(self.dir)

    def path(self, name):
        return os.path.join(self.dir, name)

    def write(self, name, text):
        with open(self.path(name), "w") as f:
            f.write(text)

    def write_signers(self, entries):
        lines = []
        for name, key in entries:
            lines.append(name + " " + " ".join(read(self.path(key + ".pub")).split()[:2]))
        self.write("allowed_signers", "\n".join(lines) + "\n")

    def pipeline(self, approvers, required=2, timeout="120s", exclude=True, extra_steps=()):
        doc = {"version": 1, "name": "signoff", "steps": [
            {"id": "signoff", "uses": "approval",
             "with": {"approvers": approvers, "required": required, "timeout": timeout,
                      "exclude_initiator": exclude}}, *extra_steps]}
        self.write("p.json", json.dumps(doc))

    def tame(self, *args, env=None, timeout=60):
        return subprocess.run([TAME, *args], cwd=self.dir, capture_output=True, text=True,
                              timeout=timeout, env=dict(os.environ, NO_COLOR="1", **(env or {})),
                              stdin=subprocess.DEVNULL)

    def start(self, *args, env=None):
        proc = subprocess.Popen([TAME, *args], cwd=self.dir, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL,
                                env=dict(os.environ, NO_COLOR="1", **(env or {})))
        self.procs.append(proc)
        return proc

    def run_dir(self):
        runs = os.path.join(self.dir, ".tame", "runs")
        names = sorted(os.listdir(runs)) if os.path.isdir(runs) else []
        self.assertEqual(len(names), 1, names)
        return os.path.join(runs, names[0])

    def wait_waiting(self, seconds=30):
        """Waits until the approval step has read its allowed_signers."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            runs = os.path.join(self.dir, ".tame", "runs")
            for name in os.listdir(runs) if os.path.isdir(runs) else []:
                if os.path.exists(os.path.join(runs, name, "approvals", "signoff",
                                               "allowed_signers")):
                    return os.path.join(runs, name)
            time.sleep(0.05)
        self.fail("the approval step did not start waiting")

    def approve(self, run_dir, who, *args):
        return self.tame("approve", run_dir, "signoff", "--key", self.path(who), *args,
                         timeout=30)

    def report(self, run_dir):
        with open(os.path.join(run_dir, "report.json")) as f:
            return json.load(f)

    # --- the initiator ----------------------------------------------------

    def test_without_key_the_run_is_refused_and_nothing_is_written(self):
        self.pipeline(["alice", "bob", "carol"])
        r = self.tame("run", "p.json", env={"TAME_INITIATOR": "nobody"})
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stderr,
                         'tame: step "signoff" refuses a sign-off by whoever started the run '
                         "(exclude_initiator), so the run needs proof of who starts it: start it "
                         "with --key KEY, your SSH private key, listed in the step's "
                         "allowed_signers\n")
        self.assertFalse(os.path.exists(os.path.join(self.dir, ".tame", "runs")) and
                         os.listdir(os.path.join(self.dir, ".tame", "runs")))

    def test_a_partial_run_that_leaves_the_approval_out_needs_no_key(self):
        self.pipeline(["alice", "bob", "carol"], timeout="1s", extra_steps=[
            {"id": "build", "uses": "shell", "with": {"run": "echo built"}}])
        r = self.tame("run", "p.json", "--key", self.path("alice"))
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)  # no one signed off in 1s
        r = self.tame("run", "p.json", "--only", "build")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("signoff: not run", r.stdout)
        self.assertIn("build: succeeded", r.stdout)
        r = self.tame("resume", "latest")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        # Selected, the approval still needs the proof.
        r = self.tame("run", "p.json", "--only", "signoff")
        self.assertEqual(r.returncode, 2)
        self.assertIn("start it with --key KEY", r.stderr)

    def test_a_key_outside_allowed_signers_is_refused(self):
        self.pipeline(["alice", "bob", "carol"])
        r = self.tame("run", "p.json", "--key", self.path("mallory"))
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stderr,
                         'tame: step "signoff" excludes the run\'s initiator, who must be one of '
                         "its allowed signers: " + self.path("mallory") + ": the key is not in " +
                         self.path("allowed_signers") + "\n")
        # alice starting it leaves bob alone for 2 approvals: it could never pass.
        self.pipeline(["alice", "bob"], required=2)
        r = self.tame("run", "p.json", "--key", self.path("alice"))
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stderr, 'tame: step "signoff" needs 2 of alice, bob, and alice, al may '
                                   "not approve a run they start: it could never pass; let "
                                   "someone else start it\n")
        self.assertFalse(os.path.exists(os.path.join(self.dir, ".tame", "runs")) and
                         os.listdir(os.path.join(self.dir, ".tame", "runs")))
        r = self.tame("run", "p.json", "--key", self.path("nope"))
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stderr, "tame: cannot read the key " + self.path("nope") + "\n")

    def test_the_initiators_key_cannot_approve_under_any_name(self):
        self.pipeline(["alice", "al", "bob", "carol"])
        # TAME_INITIATOR decides nothing: the key does.
        proc = self.start("run", "p.json", "--key", self.path("alice"),
                          env={"TAME_INITIATOR": "carol"})
        run_dir = self.wait_waiting()
        r = self.approve(run_dir, "alice")
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stderr, "tame: the key signs for alice, al; choose one with --as NAME\n")
        r = self.approve(run_dir, "alice", "--as", "alice")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stderr, r'refused \S+-alice.statement: "alice" started this run and '
                                   r'may not approve it')
        r = self.approve(run_dir, "alice", "--as", "al")
        self.assertRegex(r.stderr, r'refused \S+-al.statement: "al" started this run and may '
                                   r'not approve it')
        self.assertEqual(r.stdout.splitlines()[-1], "0 of 2 approvals so far")
        self.assertEqual(self.approve(run_dir, "carol").returncode, 0)
        r = self.approve(run_dir, "bob", "--as", "bob")
        self.assertEqual(r.stdout.splitlines()[-1], "signed off by carol, bob: the step goes on")
        out, err = proc.communicate(timeout=60)
        self.assertEqual(proc.returncode, 0, out + err)
        self.assertIn("started by alice, al (key %s), who may not approve\n"
                      % fingerprint(self.path("alice.pub")), out)
        trail = self.report(run_dir)["steps"][0]["approvals"]
        self.assertEqual([(a["who"], a["accepted"], a.get("reason")) for a in trail],
                         [("alice", False, "initiator"), ("al", False, "initiator"),
                          ("carol", True, None), ("bob", True, None)])
        audit = json.loads(read(os.path.join(run_dir, "approvals", "signoff", "audit.json")))
        self.assertEqual(audit["initiator"], {"key_fingerprint": fingerprint(self.path("alice.pub")),
                                              "names": ["alice", "al"]})

    def test_resume_keeps_the_proof(self):
        self.pipeline(["alice", "bob", "carol"], required=1, timeout="1s")
        r = self.tame("run", "p.json", "--key", self.path("alice"))
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        run_dir = self.run_dir()
        self.assertTrue(os.path.exists(os.path.join(run_dir, "initiator.statement.sig")))
        # Resumed by someone else, without a key: alice is still the initiator.
        r = self.tame("resume", os.path.basename(run_dir))
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("started by alice, al (key %s), who may not approve"
                      % fingerprint(self.path("alice.pub")), r.stdout)
        # Without the proof, resume refuses to go on.
        os.unlink(os.path.join(run_dir, "initiator.statement"))
        r = self.tame("resume", os.path.basename(run_dir))
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stderr,
                         'tame: step "signoff" refuses a sign-off by whoever started the run '
                         "(exclude_initiator), and this run was not started with --key KEY: start "
                         "a new run with 'tame run --key KEY'\n")

    # --- allowed_signers read once; one approval a key --------------------

    def test_signers_are_read_once_recorded_and_counted_by_key(self):
        self.pipeline(["bob", "bobby", "carol", "mallory"], exclude=False)
        started_with = hashlib.sha256(read(self.path("allowed_signers"), "rb")).hexdigest()
        proc = self.start("run", "p.json")
        run_dir = self.wait_waiting()
        # mallory edits allowed_signers while the step waits: it changes nothing.
        self.write_signers([("bob", "bob"), ("bobby", "bob"), ("carol", "carol"),
                            ("mallory", "mallory")])
        r = self.approve(run_dir, "mallory")
        self.assertEqual(r.returncode, 2)
        self.assertIn("the key is not in", r.stderr)
        # ... nor does a statement she signs by hand.
        statement = os.path.join(run_dir, "approvals", "signoff",
                                 "00000000000000000001-1-mallory.statement")
        report = self.report(run_dir)
        with open(statement + ".tmp", "w") as f:
            f.write("tame-approval 1\npipeline: %s\nrun: %s\nstep: signoff\ndecision: approve\n"
                    "signer: mallory\ntime: 2026-01-01T00:00:00Z\ncomment: \n"
                    % (report["pipeline_hash"], report["run"]))
        subprocess.run(["ssh-keygen", "-q", "-Y", "sign", "-f", self.path("mallory"), "-n",
                        "tame-approval", statement + ".tmp"], check=True)
        os.rename(statement + ".tmp.sig", statement + ".sig")
        os.rename(statement + ".tmp", statement)
        # One key under two names makes one approval, not two.
        self.assertEqual(self.approve(run_dir, "bob", "--as", "bob").returncode, 0)
        r = self.approve(run_dir, "bob", "--as", "bobby")
        self.assertRegex(r.stderr, r'refused \S+-bobby.statement: the key %s has approved '
                                   r'already as "bob"; one approval a key'
                         % re.escape(fingerprint(self.path("bob.pub"))))
        r = self.approve(run_dir, "carol")
        self.assertEqual(r.stdout.splitlines()[-1], "signed off by bob, carol: the step goes on")
        out, err = proc.communicate(timeout=60)
        self.assertEqual(proc.returncode, 0, out + err)
        self.assertIn("allowed signers: %s (sha256 %s)\n" % (self.path("allowed_signers"),
                                                             started_with), out)
        trail = self.report(run_dir)["steps"][0]["approvals"]
        self.assertEqual([(a["who"], a["accepted"], a.get("reason"), a.get("key_fingerprint"))
                          for a in trail],
                         [("mallory", False, "forged", None),
                          ("bob", True, None, fingerprint(self.path("bob.pub"))),
                          ("bobby", False, "duplicate", fingerprint(self.path("bob.pub"))),
                          ("carol", True, None, fingerprint(self.path("carol.pub")))])
        self.assertEqual({a["allowed_signers_sha256"] for a in trail}, {started_with})
        audit = json.loads(read(os.path.join(run_dir, "approvals", "signoff", "audit.json")))
        self.assertEqual(audit["allowed_signers_sha256"], started_with)

    def test_a_secret_in_a_comment_is_masked_in_the_audit_and_the_report(self):
        secret = "s3cr3t-T0ken-77"
        doc = {"version": 1, "name": "signoff", "secrets": {"TOK": {"from": "env"}}, "steps": [
            {"id": "signoff", "uses": "approval",
             "with": {"approvers": ["bob", "carol"], "required": 1, "timeout": "120s"}}]}
        self.write("p.json", json.dumps(doc))
        proc = self.start("run", "p.json", env={"TOK": secret})
        run_dir = self.wait_waiting()
        r = self.approve(run_dir, "carol", "--comment", "deployed with " + secret)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        out, err = proc.communicate(timeout=60)
        self.assertEqual(proc.returncode, 0, out + err)
        audit_text = read(os.path.join(run_dir, "approvals", "signoff", "audit.json"))
        audit = json.loads(audit_text)
        self.assertEqual(audit["state"], "approved")
        self.assertEqual([s["comment"] for s in audit["signatures"]], ["deployed with ***"])
        self.assertEqual(self.report(run_dir)["steps"][0]["approvals"][0]["comment"],
                         "deployed with ***")
        for root, _, files in os.walk(run_dir):
            for name in files:
                if name.endswith(".statement"):
                    continue  # what bob signed, kept as signed: the signature covers it
                self.assertNotIn(secret.encode(), read(os.path.join(root, name), "rb"), name)

    # --- an approvals folder that tries to freeze the gate ----------------

    def test_fifos_sockets_links_folders_and_huge_files_never_freeze_the_gate(self):
        self.pipeline(["bob", "carol"], required=2, exclude=False)
        # The traps go in while the step waits, as an attacker's would.
        proc = self.start("run", "p.json")
        run_dir = self.wait_waiting()
        folder = os.path.join(run_dir, "approvals", "signoff")
        os.mkfifo(os.path.join(folder, "1-fifo.statement"))
        os.mkfifo(os.path.join(folder, "5-huge.statement.sig"))
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(os.path.join(folder, "2-socket.statement"))
        os.symlink("/dev/zero", os.path.join(folder, "3-link.statement"))
        os.mkdir(os.path.join(folder, "4-folder.statement"))
        with open(os.path.join(folder, "5-huge.statement"), "wb") as f:
            f.truncate(1 << 30)  # sparse: a gigabyte that costs nothing
        # tame approve does not hang on them either.
        r = self.approve(run_dir, "bob", "--as", "bob")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.splitlines()[-1], "1 of 2 approvals so far (bob)")
        r = self.approve(run_dir, "carol", "--reject", "--comment", "someone is playing tricks")
        self.assertEqual(r.stdout.splitlines()[-1], "rejected by carol: the step fails")
        out, err = proc.communicate(timeout=60)
        sock.close()
        self.assertEqual(proc.returncode, 1, out + err)
        for line in ("refused 1-fifo.statement: a FIFO, not a regular file: not a statement",
                     "refused 2-socket.statement: a socket, not a regular file: not a statement",
                     "refused 3-link.statement: a symbolic link, not a regular file: not a "
                     "statement",
                     "refused 4-folder.statement: a folder, not a regular file: not a statement",
                     "refused 5-huge.statement: 1073741824 bytes; the limit is 65536: not a "
                     "statement",
                     "rejected by carol: someone is playing tricks"):
            self.assertIn(line, out)
        self.assertIn("signoff: failed", out)

    def test_a_fifo_signature_does_not_block_and_does_not_verify(self):
        self.pipeline(["bob", "carol"], required=1, timeout="2s", exclude=False)
        proc = self.start("run", "p.json")
        run_dir = self.wait_waiting()
        folder = os.path.join(run_dir, "approvals", "signoff")
        # A statement whose signature is a FIFO, put in place atomically.
        report = self.report(run_dir)
        text = ("tame-approval 1\npipeline: %s\nrun: %s\nstep: signoff\ndecision: approve\n"
                "signer: bob\ntime: 2026-01-01T00:00:00Z\ncomment: \n"
                % (report["pipeline_hash"], report["run"]))
        os.mkfifo(os.path.join(folder, "1-bob.statement.sig"))
        self.write(os.path.join(folder, ".tmp"), text)
        os.rename(os.path.join(folder, ".tmp"), os.path.join(folder, "1-bob.statement"))
        out, err = proc.communicate(timeout=60)
        self.assertEqual(proc.returncode, 1, out + err)
        self.assertIn('refused 1-bob.statement: the signature does not verify for "bob"', out)
        self.assertIn("no decision within 2s: 0 of 1 approvals", out)
        r = self.approve(run_dir, "bob", "--as", "bob")
        self.assertEqual(r.returncode, 2)  # the step has ended


if __name__ == "__main__":
    TAME, SOURCE = os.path.abspath(sys.argv[1]), sys.argv[2]
    unittest.main(argv=sys.argv[:1], verbosity=2)
