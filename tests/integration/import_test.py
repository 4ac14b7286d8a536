"""`tame import`: goldens, bad input, round trips through `tame export`, and
imported workflows run by `tame run`.

Run by ctest: import_test.py TAME SOURCE_DIR.

- Every workflow in tests/golden/import/ is imported and must match its
  goldens byte for byte (NAME.json, NAME.report with the fidelity report;
  NAME.KEY.json/.report for the variants in VARIANTS). TAME_UPDATE_GOLDEN=1
  rewrites them after a deliberate change; review the diff.
- Bad input (not YAML, an alias bomb, more jobs than a pipeline may have,
  deep nesting, a file over the size limit) exits 2 with a clear message and
  writes nothing.
- Round trip: each pipeline made of shell steps (the examples that are, and
  the ones below) exported to GitHub Actions and imported gives back the same
  ids, edges, conditions, timeouts, outputs, scripts and env.
- Imported workflows run under `tame run`: $GITHUB_ENV, $GITHUB_OUTPUT
  (name<<DELIM too), outputs between jobs, stop-on-error, if: failure(),
  continue-on-error, and GitLab's after_script and dotenv reports.
"""
import glob
import json
import os
import subprocess
import sys
import tempfile
import time
import unittest

TAME = SOURCE = None

# name -> {variant key: extra args}; "" is the plain import.
VARIANTS = {
    "environments": {"": [], "approvers": ["--approvers", "alice,bob,carol", "--required", "2"]},
    "matrix": {"": [], "keep-unknown": ["--keep-unknown"]},
    "gitlab": {"": [], "approvers": ["--approvers", "alice,bob"]},
}


def tame(*args, cwd=None, timeout=60):
    return subprocess.run([TAME, *args], capture_output=True, text=True, timeout=timeout,
                          cwd=cwd, stdin=subprocess.DEVNULL)


def golden_dir():
    return os.path.join(SOURCE, "tests", "golden", "import")


class GoldenTest(unittest.TestCase):
    def check(self, path, text):
        if os.environ.get("TAME_UPDATE_GOLDEN"):
            with open(path, "w") as f:
                f.write(text)
            return
        with open(path) as f:
            self.assertEqual(text, f.read(), path)

    def test_goldens(self):
        files = sorted(glob.glob(os.path.join(golden_dir(), "*.yml")))
        self.assertGreaterEqual(len(files), 5)
        for path in files:
            name = os.path.basename(path)
            stem = name.split(".")[0]
            for key, extra in VARIANTS.get(stem, {"": []}).items():
                with self.subTest(file=name, variant=key):
                    r = tame("import", name, *extra, cwd=golden_dir())
                    base = os.path.join(golden_dir(), stem + ("." + key if key else ""))
                    self.check(base + ".report", r.stderr)
                    if "not imported" in r.stderr.splitlines()[0]:
                        self.assertEqual(r.returncode, 2 if key != "keep-unknown" else 0)
                    if r.returncode == 2:
                        self.assertEqual(r.stdout, "")
                        continue
                    self.assertEqual(r.returncode, 0, r.stderr)
                    self.check(base + ".json", r.stdout)
                    with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
                        f.write(r.stdout)
                        f.flush()
                        v = tame("validate", f.name)
                        self.assertEqual(v.returncode, 0, v.stdout + v.stderr)
                        fmt = tame("fmt", "--check", f.name)
                        self.assertEqual(fmt.returncode, 0, fmt.stdout + fmt.stderr)

    def test_matrix_is_refused_and_nothing_written(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "out.json")
            r = tame("import", "matrix.yml", "-o", out, cwd=golden_dir())
            self.assertEqual(r.returncode, 2)
            self.assertIn('matrix.yml:6: job "test": not imported: a matrix (strategy.matrix) is '
                          'not imported', r.stderr)
            self.assertFalse(os.path.exists(out))

    def test_from_is_checked(self):
        r = tame("import", "outputs.yml", "--from", "githb-actions", cwd=golden_dir())
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stderr, 'tame: unknown source "githb-actions" (did you mean '
                                   '"github-actions"?); use github-actions or gitlab-ci\n')
        r = tame("import", "outputs.yml", "--approvers", "a,b", "--required", "3",
                 cwd=golden_dir())
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stderr, 'tame: --required must be a number from 1 to 2, not "3"\n')


class BadInputTest(unittest.TestCase):
    def run_bad(self, text, expected):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "ci.yml")
            with open(path, "w") as f:
                f.write(text)
            out = os.path.join(d, "out.json")
            start = time.monotonic()
            r = tame("import", "ci.yml", "-o", out, cwd=d)
            elapsed = time.monotonic() - start
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertEqual(r.stderr, expected)
            self.assertEqual(r.stdout, "")
            self.assertFalse(os.path.exists(out))
            # Generous: it takes milliseconds; a bomb expanded would take minutes.
            self.assertLess(elapsed, 20)

    def test_not_yaml(self):
        self.run_bad("jobs: [a, b\non: push\n",
                     "ci.yml: line 2, column 3: while parsing a flow sequence: did not find "
                     "expected ',' or ']'\n")

    def test_not_a_workflow(self):
        self.run_bad("- just\n- a list\n", "ci.yml: not a workflow: the file is not a YAML mapping\n")
        self.run_bad("name: x\n",
                     "ci.yml: not a workflow: neither GitHub Actions jobs nor GitLab CI jobs "
                     "were found\n")

    def test_alias_bomb(self):
        lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
        for i in range(1, 10):
            lines.append("a%d: &a%d [%s]" % (i, i, ", ".join(["*a%d" % (i - 1)] * 9)))
        lines += ["on: push", "jobs: {}"]
        self.run_bad("\n".join(lines) + "\n",
                     "ci.yml: line 7, column 10: the document expands to more than 1000000 "
                     "nodes (aliases included)\n")

    def test_too_many_jobs(self):
        text = "on: push\njobs:\n" + "".join(
            "  j%d: {runs-on: x, steps: [{run: 'true'}]}\n" % i for i in range(50001))
        self.run_bad(text, "ci.yml: line 2, column 1: the workflow has 50001 jobs, more than "
                           "the 50000 steps a pipeline may have\n")

    def test_deep_nesting(self):
        self.run_bad("on: push\njobs: " + "[" * 100 + "]" * 100 + "\n",
                     "ci.yml: line 2, column 70: nesting deeper than 64 levels\n")

    def test_too_large(self):
        self.run_bad("on: push\njobs: {}\n" + "#" * (4 * 1024 * 1024),
                     "ci.yml: file is 4194322 bytes; the limit is 4194304\n")


# Shell-only pipelines for the round trip, beside the examples that are.
ROUND_TRIP = [
    {
        "version": 1, "name": "conditions",
        "params": {"n": {"type": "number", "default": 3}},
        "secrets": {"API_TOKEN": {"from": "env"}},
        "steps": [
            {"id": "make", "uses": "shell", "name": "Make data",
             "with": {"run": "echo \"rows=${{ params.n }}\" >> \"$TAME_OUTPUT\"\n",
                      "shell": "sh"},
             "outputs": {"rows": {}, "data": {"path": "out/data.csv"}}, "timeout": "20m"},
            {"id": "use", "uses": "shell",
             "with": {"run": "wc -l ${{ steps.make.outputs.data }}\n"
                             "echo ${{ steps.make.outputs.rows }} ${{ secrets.API_TOKEN }}\n",
                      "workdir": "sub"},
             "env": {"MODE": "fast"}, "continue_on_error": True, "timeout": "90m"},
            {"id": "on-failure", "uses": "shell", "needs": ["use"], "if": "failure",
             "with": {"run": "echo failed\n"}},
            {"id": "always", "uses": "shell", "needs": ["use", "on-failure"], "if": "always",
             "with": {"run": "echo done\n"}},
        ],
    },
]


def edges(p):
    out = set()
    for s in p["steps"]:
        for n in s.get("needs", []):
            out.add((n, s["id"]))
        text = json.dumps(s.get("with", {})) + json.dumps(s.get("env", {}))
        for other in p["steps"]:
            if "${{ steps.%s.outputs." % other["id"] in text:
                out.add((other["id"], s["id"]))
    return out


def seconds(duration):
    if duration is None:
        return None
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    for unit in ("ms", "s", "m", "h"):
        if duration.endswith(unit) and duration[:-len(unit)].isdigit():
            return int(duration[:-len(unit)]) * units[unit]
    return duration


def comparable(p, referenced_files):
    steps = {}
    for s in p["steps"]:
        outputs = {k: v for k, v in s.get("outputs", {}).items()
                   if "path" not in v or (s["id"], k) in referenced_files}
        steps[s["id"]] = {"name": s.get("name"), "uses": s["uses"], "if": s.get("if", "success"),
                          "timeout": seconds(s.get("timeout")), "outputs": outputs,
                          "with": s.get("with"), "env": s.get("env", {}),
                          "continue_on_error": s.get("continue_on_error", False)}
    # GitHub inputs have no integer type: an integer param comes back a number.
    params = {k: dict(v, type="number" if v.get("type") == "integer" else v.get("type"))
              for k, v in p.get("params", {}).items()}
    return {"name": p["name"], "params": params, "secrets": p.get("secrets", {}),
            "steps": steps, "edges": edges(p)}


class RoundTripTest(unittest.TestCase):
    maxDiff = None

    def round_trip(self, pipeline, label):
        with tempfile.TemporaryDirectory() as d:
            src = os.path.join(d, "p.json")
            with open(src, "w") as f:
                json.dump(pipeline, f)
            exported = os.path.join(d, "p.github.yml")
            r = tame("export", src, "--to", "github-actions", "-o", exported)
            self.assertEqual(r.returncode, 0, r.stderr)
            r = tame("import", exported)
            self.assertEqual(r.returncode, 0, label + ": " + r.stderr)
            back = json.loads(r.stdout)
        # A file output no other step reads is not in the export at all.
        referenced = set()
        for s in pipeline["steps"]:
            text = json.dumps(s)
            for other in pipeline["steps"]:
                for k in other.get("outputs", {}):
                    if "${{ steps.%s.outputs.%s }}" % (other["id"], k) in text:
                        referenced.add((other["id"], k))
        want = comparable(pipeline, referenced)
        got = comparable(back, referenced)
        self.assertEqual(want["edges"], got["edges"], label)
        self.assertEqual(want, got, label)

    def test_examples_made_of_shell_steps(self):
        done = []
        for path in sorted(glob.glob(os.path.join(SOURCE, "examples", "*.json"))):
            with open(path) as f:
                p = json.load(f)
            if all(s["uses"] == "shell" for s in p["steps"]):
                with self.subTest(example=os.path.basename(path)):
                    self.round_trip(p, path)
                done.append(path)
        self.assertTrue(done, "no example is made of shell steps")

    def test_pipelines_made_for_the_test(self):
        for p in ROUND_TRIP:
            with self.subTest(pipeline=p["name"]):
                self.round_trip(p, p["name"])


WORKFLOW = r"""
name: runs
on: workflow_dispatch
jobs:
  first:
    runs-on: ubuntu-latest
    outputs:
      tag: ${{ steps.tag.outputs.tag }}
      notes: ${{ steps.tag.outputs.notes }}
    steps:
      - name: env and outputs
        id: tag
        run: |
          echo "BASE=1.4" >> "$GITHUB_ENV"
          echo "tag=v1.4.7" >> "$GITHUB_OUTPUT"
          { echo "notes<<EOF"; echo "line one"; echo "line two"; echo "EOF"; } >> "$GITHUB_OUTPUT"
          { echo "MULTI<<END"; echo "a=b"; echo "c"; echo "END"; } >> "$GITHUB_ENV"
      - name: sees the env
        shell: sh
        working-directory: sub
        env:
          GREETING: hello $there
        run: |
          printf '%s|%s|%s\n' "$BASE" "$MULTI" "$GREETING" > seen.txt
      - name: may fail
        continue-on-error: true
        run: exit 3
      - name: still runs
        run: echo ran > ../ran.txt
        working-directory: sub
  second:
    needs: first
    runs-on: ubuntu-latest
    steps:
      - run: echo "${{ needs.first.outputs.tag }}" > tag.txt
      - name: fails
        run: |
          false
          echo not reached > unreached.txt
      - name: skipped
        run: echo skipped > skipped.txt
      - name: on failure
        if: failure()
        run: echo cleanup > cleanup.txt
"""

GITLAB = r"""
stages: [build, test]
.base:
  before_script:
    - echo before > before.txt
build:
  extends: .base
  stage: build
  script:
    - echo "VERSION=2.0.1" >> build.env
  artifacts:
    reports:
      dotenv: build.env
test:
  stage: test
  script:
    - echo "$VERSION" > version.txt
    - exit 4
  after_script:
    - echo "$CI_JOB_STATUS" > status.txt
  allow_failure: true
"""


class RunTest(unittest.TestCase):
    def import_and_run(self, text, name):
        d = tempfile.mkdtemp()
        with open(os.path.join(d, name), "w") as f:
            f.write(text)
        os.mkdir(os.path.join(d, "sub"))
        r = tame("import", name, "-o", "p.json", cwd=d)
        self.assertEqual(r.returncode, 0, r.stderr)
        run = tame("run", "p.json", cwd=d, timeout=120)
        return d, run

    def read(self, d, path):
        with open(os.path.join(d, path)) as f:
            return f.read()

    def test_github_job_steps_run_as_github_runs_them(self):
        d, run = self.import_and_run(WORKFLOW, "runs.yml")
        self.assertEqual(run.returncode, 1, run.stdout + run.stderr)  # "second" fails
        self.assertEqual(self.read(d, "sub/seen.txt"), "1.4|a=b\nc|hello $there\n")
        self.assertEqual(self.read(d, "ran.txt"), "ran\n")
        self.assertEqual(self.read(d, "tag.txt"), "v1.4.7\n")
        self.assertEqual(self.read(d, "cleanup.txt"), "cleanup\n")
        self.assertFalse(os.path.exists(os.path.join(d, "unreached.txt")))
        self.assertFalse(os.path.exists(os.path.join(d, "skipped.txt")))

    def test_gitlab_after_script_and_dotenv(self):
        d, run = self.import_and_run(GITLAB, ".gitlab-ci.yml")
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        self.assertEqual(self.read(d, "before.txt"), "before\n")
        self.assertEqual(self.read(d, "version.txt"), "2.0.1\n")
        self.assertEqual(self.read(d, "status.txt"), "failed\n")


if __name__ == "__main__":
    TAME = os.path.abspath(sys.argv[1])
    SOURCE = os.path.abspath(sys.argv[2])
    unittest.main(argv=sys.argv[:1], verbosity=1)
