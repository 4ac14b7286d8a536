"""docs/sharing.md as written: its CI jobs against the official schemas and
run on a repository made by `tame init`, and its claim that two branches'
edits of a canonical pipeline merge as text.

Run by ctest: sharing_test.py TAME SOURCE_DIR. Uses the jsonschema and yaml
modules of Debian's /usr/bin/python3.
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

import jsonschema
import yaml

TAME = SOURCE = None
ENV = None


def run(args, cwd, check=True, shell=False):
    r = subprocess.run(args, cwd=cwd, env=ENV, capture_output=True, text=True, shell=shell,
                       stdin=subprocess.DEVNULL, timeout=120)
    if check and r.returncode != 0:
        raise AssertionError("%s exited %d:\n%s%s" % (args, r.returncode, r.stdout, r.stderr))
    return r


def doc_block(marker):
    with open(os.path.join(SOURCE, "docs", "sharing.md")) as f:
        text = f.read()
    m = re.search(r"<!-- sharing:%s -->\n```yaml\n(.*?)```" % marker, text, re.S)
    assert m, "docs/sharing.md has no ```yaml block after <!-- sharing:%s -->" % marker
    return m.group(1)


def schema(name):
    with open(os.path.join(SOURCE, "..", "shared", "reference-schemas", name)) as f:
        return json.load(f)


def new_repo():
    repo = tempfile.mkdtemp(prefix="tame-sharing-")
    run(["git", "init", "-q", "-b", "main"], repo)
    run(["tame", "init", "--template", "local-ml"], repo)
    run(["git", "add", "."], repo)
    run(["git", "commit", "-qm", "pipeline"], repo)
    return repo


class CiJobsTest(unittest.TestCase):
    def test_github_job(self):
        workflow = yaml.safe_load(doc_block("github"))
        workflow["on"] = workflow.pop(True)  # PyYAML reads the key `on` as true
        errors = [e.message for e in jsonschema.Draft7Validator(
            schema("github-workflow.schema.json")).iter_errors(workflow)]
        self.assertEqual(errors, [])
        repo = new_repo()
        for step in workflow["jobs"]["tame"]["steps"]:
            if "run" in step:
                r = run(["bash", "-eo", "pipefail", "-c", step["run"]], repo, check=False)
                self.assertEqual(r.returncode, 0, step["name"] + ": " + r.stdout + r.stderr)

    def test_gitlab_job(self):
        pipeline = yaml.safe_load(doc_block("gitlab"))
        errors = [e.message for e in jsonschema.Draft7Validator(
            schema("gitlab-ci.schema.json")).iter_errors(pipeline)]
        self.assertEqual(errors, [])
        job = pipeline["pipeline-checks"]
        repo = new_repo()
        r = run(["sh", "-ec", "\n".join(job["before_script"] + job["script"])], repo, check=False)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        with open(os.path.join(repo, "pipeline.json"), "a") as f:
            f.write("\n")
        r = run(["sh", "-ec", "\n".join(job["script"])], repo, check=False)
        self.assertEqual(r.returncode, 1)


def edit(repo, change):
    path = os.path.join(repo, "pipeline.json")
    with open(path) as f:
        doc = json.load(f)
    change(doc)
    with open(path, "w") as f:
        json.dump(doc, f)
    run(["tame", "fmt", "-w", "pipeline.json"], repo)  # what the designer's Save writes
    run(["git", "commit", "-qam", "edit"], repo)


class MergeTest(unittest.TestCase):
    def test_edits_on_two_branches_merge_as_text(self):
        repo = new_repo()
        run(["git", "checkout", "-qb", "add-step"], repo)
        edit(repo, lambda d: d["steps"].append(
            {"id": "publish", "uses": "shell", "needs": ["report"], "with": {"run": "true"}}))
        run(["git", "checkout", "-q", "main"], repo)
        edit(repo, lambda d: d["steps"][0]["with"].update(run=d["steps"][0]["with"]["run"] + " # v2"))
        r = run(["git", "merge", "-q", "--no-edit", "add-step"], repo, check=False)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(run(["tame", "fmt", "--check", "pipeline.json"], repo, check=False).returncode, 0)
        r = run(["tame", "validate", "pipeline.json"], repo, check=False)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        with open(os.path.join(repo, "pipeline.json")) as f:
            doc = json.load(f)
        self.assertEqual(doc["steps"][-1]["id"], "publish")
        self.assertTrue(doc["steps"][0]["with"]["run"].endswith(" # v2"))

    def test_a_step_removed_on_one_side_and_needed_on_the_other(self):
        repo = new_repo()
        run(["git", "checkout", "-qb", "add-step"], repo)
        edit(repo, lambda d: d["steps"].insert(
            0, {"id": "publish", "uses": "shell", "needs": ["cleanup"], "with": {"run": "true"}}))
        run(["git", "checkout", "-q", "main"], repo)
        edit(repo, lambda d: d.update(steps=[s for s in d["steps"] if s["id"] != "cleanup"]))
        r = run(["git", "merge", "-q", "--no-edit", "add-step"], repo, check=False)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        r = run(["tame", "validate", "pipeline.json"], repo, check=False)
        self.assertEqual(r.returncode, 2)
        self.assertRegex(r.stdout + r.stderr,
                         r'pipeline\.json: /steps/0/needs/0: step "publish": needs "cleanup", which is not a step\n')

    def test_the_merge_driver_of_the_docs(self):
        repo = new_repo()
        with open(os.path.join(SOURCE, "docs", "sharing.md")) as f:
            lines = [line for line in f.read().splitlines()
                     if line.startswith(("git config merge.tame", "echo 'pipeline.json merge=tame'"))]
        self.assertEqual(len(lines), 3)
        for line in lines:
            run(line, repo, shell=True)
        run(["git", "add", ".gitattributes"], repo)
        run(["git", "commit", "-qm", "driver"], repo)
        run(["git", "checkout", "-qb", "other"], repo)
        edit(repo, lambda d: d["steps"].append({"id": "publish", "uses": "shell", "with": {"run": "true"}}))
        run(["git", "checkout", "-q", "main"], repo)
        edit(repo, lambda d: d.update(description="changed on main"))
        r = run(["git", "merge", "-q", "--no-edit", "other"], repo, check=False)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(run(["tame", "validate", "pipeline.json"], repo, check=False).returncode, 0)
        run(["git", "checkout", "-qb", "clash", "HEAD~2"], repo)
        edit(repo, lambda d: d.update(description="changed on clash"))
        run(["git", "checkout", "-q", "main"], repo)
        r = run(["git", "merge", "-q", "--no-edit", "clash"], repo, check=False)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("CONFLICT (content): Merge conflict in pipeline.json", r.stdout)
        with open(os.path.join(repo, "pipeline.json")) as f:
            self.assertIn("<<<<<<< ours", f.read())


if __name__ == "__main__":
    TAME, SOURCE = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    home = tempfile.mkdtemp(prefix="tame-sharing-home-")
    ENV = dict(os.environ, PATH=os.path.dirname(TAME) + ":" + os.environ["PATH"], HOME=home,
               GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@localhost", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@localhost", GIT_CONFIG_NOSYSTEM="1")
    unittest.main(argv=sys.argv[:1], verbosity=1)
