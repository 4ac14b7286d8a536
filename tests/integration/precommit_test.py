"""The hooks of .pre-commit-hooks.yaml, run by the real pre-commit (Debian's
package) in a scratch repository, against the built tame.

Run by ctest: precommit_test.py TAME SOURCE_DIR. Exits 77 (skipped) when
pre-commit is not installed.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

TAME = SOURCE = None
ENV = None


def run(args, cwd, check=False):
    r = subprocess.run(args, cwd=cwd, env=ENV, capture_output=True, text=True,
                       stdin=subprocess.DEVNULL, timeout=300)
    if check and r.returncode != 0:
        raise AssertionError("%s exited %d:\n%s%s" % (args, r.returncode, r.stdout, r.stderr))
    return r


def git(cwd, *args):
    return run(["git", *args], cwd, check=True).stdout.strip()


CONFIG = """repos:
  - repo: %s
    rev: %s
    hooks:
      - id: tame-fmt
      - id: tame-validate
"""


class PreCommitTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        top = tempfile.mkdtemp(prefix="tame-precommit-")
        # The hooks' repository: what a user's config points at, with the
        # hooks file as it is in this checkout.
        cls.hooks = os.path.join(top, "hooks")
        os.mkdir(cls.hooks)
        shutil.copy(os.path.join(SOURCE, ".pre-commit-hooks.yaml"), cls.hooks)
        git(cls.hooks, "init", "-q")
        git(cls.hooks, "add", ".")
        git(cls.hooks, "commit", "-qm", "hooks")
        cls.rev = git(cls.hooks, "rev-parse", "HEAD")
        cls.top = top

    def setUp(self):
        self.repo = tempfile.mkdtemp(prefix="project-", dir=self.top)
        git(self.repo, "init", "-q")
        with open(os.path.join(self.repo, ".pre-commit-config.yaml"), "w") as f:
            f.write(CONFIG % (self.hooks, self.rev))
        run(["tame", "init", "--template", "local-ml"], self.repo, check=True)
        run(["pre-commit", "install"], self.repo, check=True)
        git(self.repo, "add", ".")

    def write(self, text):
        with open(os.path.join(self.repo, "pipeline.json"), "w") as f:
            f.write(text)
        git(self.repo, "add", "pipeline.json")

    def test_canonical_valid_pipeline_commits(self):
        r = run(["git", "commit", "-m", "pipeline"], self.repo)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertRegex(r.stdout + r.stderr, r"tame fmt --check\.+Passed")
        self.assertRegex(r.stdout + r.stderr, r"tame validate\.+Passed")

    def test_not_canonical_is_refused(self):
        with open(os.path.join(self.repo, "pipeline.json")) as f:
            text = f.read()
        self.write(text.replace("\n  ", "\n    "))
        r = run(["git", "commit", "-m", "pipeline"], self.repo)
        out = r.stdout + r.stderr
        self.assertEqual(r.returncode, 1, out)
        self.assertRegex(out, r"tame fmt --check\.+Failed")
        self.assertIn("\npipeline.json: not in canonical form; run 'tame fmt -w pipeline.json'\n", out)
        self.assertRegex(out, r"tame validate\.+Passed")
        self.assertEqual(git(self.repo, "rev-list", "--all"), "")

    def test_invalid_is_refused_with_the_place(self):
        with open(os.path.join(self.repo, "pipeline.json")) as f:
            text = f.read()
        self.write(text.replace('"uses": "shell"', '"uses": "shel"', 1))
        r = run(["git", "commit", "-m", "pipeline"], self.repo)
        out = r.stdout + r.stderr
        self.assertEqual(r.returncode, 1, out)
        self.assertRegex(out, r"tame validate\.+Failed")
        self.assertIn("pipeline.json: /steps/0/uses: step \"prepare\": unknown step kind \"shel\" "
                      "(did you mean \"shell\"?)\n", out)

    def test_fix_hook_rewrites_then_passes(self):
        with open(os.path.join(self.repo, ".pre-commit-config.yaml"), "w") as f:
            f.write((CONFIG % (self.hooks, self.rev)).replace("id: tame-fmt\n", "id: tame-fmt-fix\n"))
        git(self.repo, "add", ".pre-commit-config.yaml")
        with open(os.path.join(SOURCE, "examples", "local-ml.json")) as f:
            canonical = f.read()
        self.write(canonical.replace("\n  ", "\n    "))
        r = run(["pre-commit", "run", "tame-fmt-fix", "--all-files"], self.repo)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("files were modified by this hook", r.stdout)
        with open(os.path.join(self.repo, "pipeline.json")) as f:
            self.assertEqual(f.read(), canonical)
        git(self.repo, "add", "pipeline.json")
        r = run(["git", "commit", "-m", "pipeline"], self.repo)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


if __name__ == "__main__":
    TAME, SOURCE = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    if shutil.which("pre-commit") is None:
        print("precommit_test: SKIPPED: pre-commit is not installed (scripts/setup.sh installs it)")
        sys.exit(77)
    home = tempfile.mkdtemp(prefix="tame-precommit-home-")
    ENV = dict(os.environ, PATH=os.path.dirname(TAME) + ":" + os.environ["PATH"],
               PRE_COMMIT_HOME=os.path.join(home, "cache"), HOME=home,
               GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@localhost",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@localhost",
               GIT_CONFIG_NOSYSTEM="1")
    ENV.pop("GIT_DIR", None)
    unittest.main(argv=sys.argv[:1], verbosity=1)
