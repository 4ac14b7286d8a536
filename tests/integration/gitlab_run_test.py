"""`tame export --to gitlab-ci` run by a local GitLab CI runner.

Run by ctest: gitlab_run_test.py TAME SOURCE_DIR. Each test exports a
pipeline into a fresh git repository and runs it with gitlab-ci-local (npm,
pinned in package.json) in shell mode, with tame on PATH:

- --shell-executor-no-image runs the jobs without an image in the shell (the
  test removes the tame image, as GitLab's shell executor ignores it);
- --shell-isolation gives each job its own copy of the repository, as
  GitLab's runners do, so the workspace must travel through artifacts.

gitlab-ci-local ignores `retry` and protected environments: retries are
checked against the schema in export_test.py, approvals here only as manual
jobs that block what needs them.
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


def runner():
    return os.path.join(SOURCE, "node_modules", "gitlab-ci-local", "src", "index.js")


class GitLabRunTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="tame-gitlab-")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)

    def run_pipeline(self, pipeline, *extra):
        """Exports `pipeline` (a dict, or a path) into a new repository and
        runs it. Returns (exit status, output, {job: PASS|FAIL|WARN})."""
        repo = os.path.join(self.tmp, "repo")
        os.makedirs(repo)
        if isinstance(pipeline, dict):
            source = os.path.join(self.tmp, "pipeline.json")
            with open(source, "w") as f:
                json.dump(pipeline, f)
        else:
            source = pipeline
        export = subprocess.run([TAME, "export", source, "--to", "gitlab-ci", "-o",
                                 os.path.join(repo, ".gitlab-ci.yml")],
                                capture_output=True, text=True, timeout=30)
        self.assertEqual(export.returncode, 0, export.stderr)
        # GitLab's shell executor ignores `image:`, but gitlab-ci-local starts
        # Docker for a job that names one: drop the jobs' image lines, so
        # that the tame kinds run `tame __step` from PATH as on a shell runner.
        ci = os.path.join(repo, ".gitlab-ci.yml")
        with open(ci) as f:
            text = f.read()
        with open(ci, "w") as f:
            f.write(re.sub(r"^  image: .*\n", "", text, flags=re.M))
        git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]
        for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "pipeline"]):
            subprocess.run(git + args, cwd=repo, check=True, capture_output=True)
        env = dict(os.environ, PATH=os.path.dirname(TAME) + os.pathsep + os.environ["PATH"],
                   HOME=self.tmp)
        # Output goes to a pipe: the runner itself writes inside the repository.
        result = subprocess.run(["node", runner(), "--shell-executor-no-image", "--shell-isolation",
                                 *extra], cwd=repo, env=env, stdin=subprocess.DEVNULL,
                                capture_output=True, text=True, timeout=300)
        output = result.stdout + result.stderr
        verdicts = dict((job, verdict) for verdict, job in
                        re.findall(r"^ (PASS|FAIL|WARN) +([A-Za-z0-9_-]+)", output, re.M))
        return result.returncode, output, verdicts

    def started(self, output):
        """Jobs in the order they started."""
        return re.findall(r"^([A-Za-z0-9_-]+) +starting shell", output, re.M)

    def test_local_ml_runs_in_graph_order_with_outputs_and_workspace(self):
        status, output, verdicts = self.run_pipeline(os.path.join(SOURCE, "examples", "local-ml.json"))
        self.assertEqual(status, 0, output)
        jobs = ["prepare", "train-linear", "train-threshold", "lint", "select", "report", "cleanup"]
        self.assertEqual(verdicts, {job: "PASS" for job in jobs}, output)
        order = self.started(output)
        self.assertEqual(sorted(order), sorted(jobs))
        self.assertEqual(order[0], "prepare")
        for before, after in [("train-linear", "select"), ("train-threshold", "select"),
                              ("lint", "select"), ("select", "report"), ("report", "cleanup")]:
            self.assertLess(order.index(before), order.index(after), output)
        # The output `rows` of prepare reaches lint through the dotenv report;
        # the files of both trainings reach select through the workspaces.
        self.assertRegex(output, r"lint +> data has 150 rows, all well formed")
        self.assertRegex(output, r"select +> selected work/linear.json with accuracy 0.9333")
        self.assertRegex(output, r"report +> accuracy: 0.9333")

    def test_conditions_continue_on_error_and_a_failing_gate(self):
        shell = lambda run: {"run": run}
        pipeline = {
            "version": 1, "name": "conditions",
            "params": {"greeting": {"type": "string", "default": "hello $HOME"}},
            "steps": [
                {"id": "make", "uses": "shell", "outputs": {"accuracy": {}},
                 "with": shell("mkdir -p out\n"
                               "echo \"${{ params.greeting }}\" > out/msg.txt\n"
                               "echo '{\"accuracy\": 0.5}' > out/metrics.json\n"
                               "echo accuracy=0.5 >> \"$TAME_OUTPUT\"\n")},
                {"id": "read", "uses": "shell",
                 "with": shell("echo \"message: $(cat out/msg.txt)\"\n"
                               "echo \"accuracy: ${{ steps.make.outputs.accuracy }}\"\n")},
                {"id": "flaky", "uses": "shell", "needs": ["make"], "continue_on_error": True,
                 "with": shell("echo flaky fails\nexit 3\n")},
                {"id": "after_flaky", "uses": "shell", "needs": ["flaky"],
                 "with": shell("echo after flaky ran\n")},
                {"id": "gate", "uses": "metrics.gate", "needs": ["read"],
                 "with": {"file": "out/metrics.json",
                          "rules": [{"metric": "accuracy", "op": ">=", "value": 0.9}]}},
                {"id": "publish", "uses": "shell", "needs": ["gate"],
                 "with": shell("echo publish ran\n")},
                # gitlab-ci-local never starts a job that needs a skipped job
                # (publish here), whatever its `when`, so these need the gate.
                {"id": "rollback", "uses": "shell", "needs": ["gate"], "if": "failure",
                 "with": shell("echo rollback ran\n")},
                {"id": "cleanup", "uses": "shell", "needs": ["gate"], "if": "always",
                 "with": shell("echo cleanup ran\n")},
                {"id": "unneeded", "uses": "shell", "needs": ["read"], "if": "failure",
                 "with": shell("echo unneeded ran\n")},
            ],
        }
        status, output, verdicts = self.run_pipeline(pipeline)
        self.assertNotEqual(status, 0, output)  # the gate failed the pipeline
        self.assertEqual(verdicts, {"make": "PASS", "read": "PASS", "flaky": "WARN",
                                    "after_flaky": "PASS", "gate": "FAIL", "rollback": "PASS",
                                    "cleanup": "PASS"}, output)
        # A param reaches the step as data: "$HOME" in it is not expanded.
        self.assertRegex(output, r"read +> message: hello \$HOME\n")
        self.assertRegex(output, r"read +> accuracy: 0.5\n")
        self.assertRegex(output, r"gate +> .*accuracy")
        for skipped in ["publish", "unneeded"]:
            self.assertNotIn(skipped + " ran", output)
        order = self.started(output)
        self.assertLess(order.index("gate"), order.index("rollback"))
        self.assertLess(order.index("flaky"), order.index("after_flaky"))

    def test_an_approval_blocks_until_its_manual_job_runs(self):
        pipeline = {
            "version": 1, "name": "approval",
            "steps": [
                {"id": "build", "uses": "shell", "with": {"run": "echo built > built.txt\n"}},
                {"id": "signoff", "uses": "approval", "needs": ["build"],
                 "with": {"approvers": ["alice", "bob"], "required": 1}},
                {"id": "ship", "uses": "shell", "needs": ["signoff"],
                 "with": {"run": "cat built.txt\necho shipped\n"}},
            ],
        }
        # Without the approval nothing that needs it may run.
        status, output, verdicts = self.run_pipeline(pipeline)
        self.assertNotEqual(status, 0, output)
        self.assertIn("signoff is when:manual, its needed by ship, and not specified in --manual",
                      output)
        self.assertNotIn("shipped", output)
        shutil.rmtree(os.path.join(self.tmp, "repo"))
        status, output, verdicts = self.run_pipeline(pipeline, "--manual", "signoff")
        self.assertEqual(status, 0, output)
        self.assertEqual(verdicts, {"build": "PASS", "signoff": "PASS", "ship": "PASS"}, output)
        self.assertRegex(output, r"ship +> built\n")


if __name__ == "__main__":
    TAME, SOURCE = (os.path.abspath(a) for a in sys.argv[1:3])
    if not os.path.exists(runner()) or not shutil.which("rsync"):
        print("gitlab-ci-local or rsync is missing: run scripts/setup.sh", file=sys.stderr)
        sys.exit(1)
    unittest.main(argv=sys.argv[:1], verbosity=1)
