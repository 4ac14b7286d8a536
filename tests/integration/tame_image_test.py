"""The tame image (scripts/tame-image.sh) runs what the exporters write.

No Argo controller can run here, so this test plays its part with a real
Docker engine: it exports examples/demo.json to Argo, then runs the first
three tasks of the DAG (checkout -> train -> gate) each as a container of its
template's image, with the template's script, environment and working
directory, one workspace folder mounted at /workspace in all of them, and
each task's output parameters read from the files the template names and
handed to the tasks that take them, as Argo would. checkout and gate run
`tame __step KIND` in the tame image; train runs in a local busybox image.

The engine is the one running or a dockerd started here (services.py); when
none can run, the test says so and exits 77 (skipped), never passing.

Run by ctest: tame_image_test.py TAME SOURCE_DIR.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import services  # noqa: E402

TAME = SOURCE = None
ENGINE = None
IMAGE = "tame-test/tame:local"
WORKDIR = None


def docker(*args, check=True, **kwargs):
    env = dict(os.environ, **ENGINE.env)
    r = subprocess.run(["docker", *args], env=env, capture_output=True, text=True,
                       timeout=300, **kwargs)
    if check and r.returncode != 0:
        raise AssertionError("docker %s failed (%d): %s" % (args[0], r.returncode, r.stderr))
    return r


def git(*args, cwd):
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@localhost",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@localhost")
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


class ArgoPlayer:
    """Runs tasks of an exported Argo Workflow as containers, one at a time."""

    def __init__(self, workflow, workspace, name):
        self.spec = workflow["spec"]
        self.templates = {t["name"]: t for t in self.spec["templates"]}
        dag = self.templates[self.spec["entrypoint"]]["dag"]["tasks"]
        self.tasks = {t["name"]: t for t in dag}
        self.params = {p["name"]: str(p["value"]) for p in self.spec["arguments"]["parameters"]}
        self.workspace = workspace
        self.name = name
        self.outputs = {}  # task -> {parameter: value}

    def fill(self, text, inputs):
        def value(m):
            ref = m.group(1)
            if ref == "workflow.name":
                return self.name
            if ref.startswith("workflow.parameters."):
                return self.params[ref.split(".", 2)[2]]
            if ref.startswith("inputs.parameters."):
                return inputs[ref.split(".", 2)[2]]
            task, _, _, param = ref.split(".")[1:5]
            return self.outputs[task][param]
        return re.sub(r"\{\{([a-zA-Z0-9_.-]+)\}\}", value, text)

    def run(self, task_name):
        task = self.tasks[task_name]
        template = self.templates[task["template"]]
        inputs = {p["name"]: self.fill(p["value"], {})
                  for p in task.get("arguments", {}).get("parameters", [])}
        script = template["script"]
        outdir = tempfile.mkdtemp(dir=WORKDIR)
        argv = ["run", "--rm", "--network", "none", "-v", "%s:/workspace" % self.workspace,
                "-v", "%s:/tmp/tame-outputs" % outdir, "-w", script["workingDir"]]
        for var in script.get("env", []):
            argv += ["-e", "%s=%s" % (var["name"], self.fill(var["value"], inputs))]
        source = self.fill(script["source"], inputs)
        argv += ["--entrypoint", script["command"][0], script["image"], *script["command"][1:],
                 "-c", source]
        r = docker(*argv, check=False)
        self.outputs[task_name] = {}
        for p in template.get("outputs", {}).get("parameters", []):
            path = os.path.join(outdir, os.path.basename(p["valueFrom"]["path"]))
            if os.path.exists(path):
                with open(path) as f:
                    self.outputs[task_name][p["name"]] = f.read()
        return r


class TameImageTest(unittest.TestCase):
    def export(self, extra=()):
        r = subprocess.run([TAME, "export", os.path.join(SOURCE, "examples/demo.json"),
                            "--to", "argo", "--tame-image", IMAGE,
                            "--image", services.BASE_IMAGE, *extra],
                           capture_output=True, text=True, check=True)
        return yaml.safe_load(r.stdout)

    def workspace_with_repo(self):
        ws = tempfile.mkdtemp(dir=WORKDIR)
        work = os.path.join(WORKDIR, "iris-%s" % os.path.basename(ws))
        shutil.copytree(os.path.join(SOURCE, "examples/iris-service"), work)
        git("init", "-q", "-b", "main", ".", cwd=work)
        git("add", "-A", cwd=work)
        git("commit", "-q", "-m", "iris", cwd=work)
        git("clone", "-q", "--bare", work, os.path.join(ws, "iris.git"), cwd=WORKDIR)
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=work, capture_output=True,
                             text=True, check=True).stdout.strip()
        return ws, sha

    def test_the_exported_checkout_train_and_gate_run_in_the_image(self):
        ws, sha = self.workspace_with_repo()
        player = ArgoPlayer(self.export(), ws, "iris-demo-abc12")

        r = player.run("checkout")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(player.outputs["checkout"], {"sha": sha, "path": "/workspace/iris"})
        self.assertTrue(os.path.isfile(os.path.join(ws, "iris", "train.sh")))

        r = player.run("train")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertTrue(os.path.isfile(os.path.join(ws, "iris", "metrics.json")))

        r = player.run("gate")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("gate passed: 1 of 1 rules hold", r.stdout)
        self.assertRegex(r.stdout, r"accuracy\s+>= 0\.9\s+0\.9\d*\s+-\s+pass")
        report = player.outputs["gate"]["report"]
        self.assertTrue(report.startswith("/workspace/"), report)
        with open(os.path.join(ws, report[len("/workspace/"):])) as f:
            self.assertIn('"accuracy"', f.read())

    def test_a_gate_that_fails_in_the_image_fails_its_pod(self):
        ws, _ = self.workspace_with_repo()
        workflow = self.export()
        for p in workflow["spec"]["arguments"]["parameters"]:
            if p["name"] == "min_accuracy":
                p["value"] = "0.999"
        player = ArgoPlayer(workflow, ws, "iris-demo-def34")
        for task in ("checkout", "train"):
            self.assertEqual(player.run(task).returncode, 0)
        r = player.run("gate")
        # 3: the step failed and another attempt cannot help (runner/steps/step.h).
        self.assertEqual(r.returncode, 3, r.stdout + r.stderr)
        self.assertIn("gate failed: 1 of 1 rules do not hold", r.stdout)
        self.assertRegex(r.stdout, r"accuracy\s+>= 0\.999\s+0\.9\d*\s+-\s+FAIL: 0\.9\d* is not >= 0\.999")

    def test_the_image_holds_what_the_steps_call(self):
        r = docker("run", "--rm", IMAGE, "sh", "-c",
                   "tame --version && git --version && command -v ssh-keygen sed tail")
        self.assertIn("tame 0.1.0", r.stdout)
        self.assertIn("git version", r.stdout)
        self.assertIn("/usr/bin/ssh-keygen", r.stdout)


def main():
    global TAME, SOURCE, ENGINE, WORKDIR
    TAME, SOURCE = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    WORKDIR = tempfile.mkdtemp(prefix="tame-image-test-")
    try:
        try:
            ENGINE = services.Dockerd.start(WORKDIR)
        except services.Unavailable as e:
            print("SKIPPED LOUDLY: no Docker engine: %s" % e)
            return services.SKIP_CODE
        try:
            services.import_base_image(ENGINE)
            env = dict(os.environ, TAME=TAME, **ENGINE.env)
            subprocess.run([os.path.join(SOURCE, "scripts/tame-image.sh"), IMAGE], env=env,
                           check=True, timeout=600)
            program = unittest.main(argv=[sys.argv[0], "-v"], exit=False)
            return 0 if program.result.wasSuccessful() else 1
        finally:
            ENGINE.stop()
    finally:
        shutil.rmtree(WORKDIR, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
