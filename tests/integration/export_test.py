"""`tame export` against the official schemas, its own goldens and its errors.

Run by ctest: export_test.py TAME SOURCE_DIR SCHEMAS_DIR. Uses Debian's
/usr/bin/python3 with python3-jsonschema and python3-yaml.

Every example (and tests/golden/export/features.json, one of each thing an
exporter maps or reports) is exported to every target; the output must
validate against the target's schema, give back the pipeline's steps and
dependency edges, and match tests/golden/export/ byte for byte, fidelity
report included. Run with TAME_UPDATE_GOLDEN=1 to rewrite the goldens after
a deliberate change, and review the diff.
"""
import copy
import glob
import json
import os
import re
import stat
import subprocess
import sys
import tempfile
import unittest

import jsonschema
import yaml

TAME = SOURCE = SCHEMAS = None
# Read from `tame export --help`, which prints core's table of targets.
TARGETS = []
SUFFIX = {}  # target -> file suffix without the leading dot
TITLE = {}


def tame(*args, cwd=None, env=None):
    return subprocess.run([TAME, *args], capture_output=True, text=True, timeout=30, cwd=cwd,
                          env=env)


def strict(definitions, open_names=()):
    """Definitions with unknown properties refused, as Kubernetes' strict
    field validation refuses them: the schemas leave additionalProperties
    open, which would let a misspelt field through."""
    out = copy.deepcopy(definitions)
    for name, d in out.items():
        if name in open_names:
            continue
        if "properties" in d and "additionalProperties" not in d and \
                not d.get("x-kubernetes-preserve-unknown-fields"):
            d["additionalProperties"] = False
    return out


def argo_validator():
    with open(os.path.join(SCHEMAS, "argo-workflows.schema.json")) as f:
        schema = json.load(f)
    root = {"$schema": schema["$schema"], "definitions": strict(schema["definitions"]),
            "$ref": "#/definitions/io.argoproj.workflow.v1alpha1.Workflow"}
    return jsonschema.Draft202012Validator(root)


def tekton_validators():
    with open(os.path.join(SCHEMAS, "tekton-pipeline-v1.swagger.json")) as f:
        swagger = json.load(f)
    defs = strict(swagger["definitions"])
    # Kubernetes core types the swagger refers to but does not hold: open.
    for name in set(re.findall(r'"#/definitions/([^"]+)"', json.dumps(swagger))):
        defs.setdefault(name, {})
    # ParamValue is described as its Go struct; its JSON form is, as its own
    # description says, a string, an array of strings or an object of them.
    defs["v1.ParamValue"] = {"type": ["string", "array", "object"]}
    return {kind: jsonschema.Draft4Validator({"definitions": defs, "$ref": "#/definitions/v1." + kind})
            for kind in ["Pipeline", "PipelineRun", "Task"]}


def github_validator():
    with open(os.path.join(SCHEMAS, "github-workflow.schema.json")) as f:
        return jsonschema.Draft7Validator(json.load(f))


def azure_validator():
    with open(os.path.join(SCHEMAS, "azure-pipelines.schema.json")) as f:
        return jsonschema.Draft7Validator(json.load(f))


def gitlab_validator():
    with open(os.path.join(SCHEMAS, "gitlab-ci.schema.json")) as f:
        return jsonschema.Draft7Validator(json.load(f))


def azure_scalars(value):
    """The document as Azure's parser reads it: every scalar is a string
    (`timeoutInMinutes: 20` is "20", `continueOnError: true` is "true").
    Microsoft's schema describes that reading, so it is stricter than Azure
    about YAML numbers and booleans: it types them as strings, with patterns
    such as ^true$ for booleans."""
    if isinstance(value, dict):
        return {k: azure_scalars(v) for k, v in value.items()}
    if isinstance(value, list):
        return [azure_scalars(v) for v in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return value


def azure_jobs(doc):
    return doc["stages"][0]["jobs"]


def azure_job_name(job):
    return job.get("job", job.get("deployment"))


def azure_steps(job):
    if "steps" in job:
        return job["steps"]
    return job["strategy"]["runOnce"]["deploy"]["steps"]


def load_yaml(text):
    docs = list(yaml.safe_load_all(text))
    for doc in docs:
        # YAML 1.1 (PyYAML) reads GitHub's `on` key as true.
        if isinstance(doc, dict) and True in doc:
            doc["on"] = doc.pop(True)
    return docs


def edges_of(path):
    """The pipeline's edges as `tame graph` draws them: {(from, to)}."""
    dot = tame("graph", path, "--format", "dot").stdout
    return set(re.findall(r'^  "([^"]+)" -> "([^"]+)"', dot, re.M))


def kube_name(step_id):
    return step_id.replace("_", "-").rstrip("-")


def shell_script(step):
    """A shell step's `run` as tame gives it to the shell: each reference
    turned into the variable that carries its value."""
    def env_name(match):
        parts = match.group(1).split(".")
        kind = {"params": "TAME_PARAM_", "secrets": "TAME_SECRET_"}.get(parts[0])
        name = (kind + parts[1] if kind else "TAME_RUN_ID" if parts[0] == "run"
                else "TAME_STEP_%s_OUT_%s" % (parts[1], parts[3]))
        return "${" + re.sub(r"[^A-Za-z0-9_]", "_", name) + "}"
    return re.sub(r"\$\{\{\s*([^}\s]+)\s*\}\}", env_name, step["with"]["run"])


def errors(validator, doc):
    return ["%s: %s" % ("/".join(str(p) for p in e.absolute_path), e.message)
            for e in validator.iter_errors(doc)]


def read_targets():
    """Core's table of targets as `tame export --help` lists them:
    "  NAME  TITLE (NAME.SUFFIX): what it writes"."""
    usage = tame("export", "--help").stdout
    rows = re.findall(r"^  ([a-z-]+) +(.+?) \(NAME\.([a-z.-]+)\): ", usage, re.M)
    for name, title, suffix in rows:
        TARGETS.append(name)
        SUFFIX[name] = suffix
        TITLE[name] = title


class ExportTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.argo = argo_validator()
        cls.tekton = tekton_validators()
        cls.github = github_validator()
        cls.azure = azure_validator()
        cls.gitlab = gitlab_validator()
        cls.pipelines = sorted(glob.glob(os.path.join(SOURCE, "examples", "*.json")))
        cls.pipelines.append(os.path.join(SOURCE, "tests", "golden", "export", "features.json"))
        cls.golden = os.path.join(SOURCE, "tests", "golden", "export")
        cls.update = os.environ.get("TAME_UPDATE_GOLDEN") == "1"

    def export(self, path, target, *extra):
        # Run from the source tree so that reports name files as the goldens do.
        rel = os.path.relpath(path, SOURCE)
        result = tame("export", rel, "--to", target, *extra, cwd=SOURCE)
        self.assertEqual(result.returncode, 0, result.stderr)
        return result

    def pipeline(self, path):
        with open(path) as f:
            return json.load(f)

    def check_golden(self, name, text):
        golden = os.path.join(self.golden, name)
        if self.update:
            with open(golden, "w") as f:
                f.write(text)
        with open(golden) as f:
            self.assertEqual(text, f.read(), "%s differs; TAME_UPDATE_GOLDEN=1 rewrites it" % name)

    # ---- Each target: schema, steps and edges --------------------------------

    def test_argo(self):
        for path in self.pipelines:
            with self.subTest(path=path):
                docs = load_yaml(self.export(path, "argo").stdout)
                self.assertEqual(len(docs), 1)
                wf = docs[0]
                self.assertEqual(errors(self.argo, wf), [])
                spec = wf["spec"]
                entry = [t for t in spec["templates"] if t["name"] == spec["entrypoint"]][0]
                tasks = entry["dag"]["tasks"]
                steps = self.pipeline(path)["steps"]
                self.assertEqual([t["name"] for t in tasks], [kube_name(s["id"]) for s in steps])
                names = {kube_name(s["id"]): s["id"] for s in steps}
                got = set()
                for t in tasks:
                    for dep in re.findall(r"([a-z0-9-]+)\.[A-Z]", t.get("depends", "")):
                        got.add((names[dep], names[t["name"]]))
                self.assertEqual(got, edges_of(path))
                templates = {t["name"]: t for t in spec["templates"]}
                for s in steps:
                    t = templates[kube_name(s["id"])]
                    if s["uses"] == "approval":
                        self.assertEqual(t["suspend"], {})
                    elif s["uses"] == "shell":
                        self.assertIn("image", t["script"])
                        if not any("path" not in o for o in s.get("outputs", {}).values()):
                            self.assertEqual(t["script"]["source"], shell_script(s))
                    else:
                        self.assertIn("tame __step " + s["uses"], t["script"]["source"])

    def test_tekton(self):
        for path in self.pipelines:
            with self.subTest(path=path):
                result = self.export(path, "tekton")
                docs = load_yaml(result.stdout)
                self.assertEqual([d["kind"] for d in docs], ["Pipeline", "PipelineRun"])
                pipeline, run = docs
                self.assertEqual(errors(self.tekton["Pipeline"], pipeline), [])
                self.assertEqual(errors(self.tekton["PipelineRun"], run), [])
                self.assertEqual(run["spec"]["pipelineRef"]["name"], pipeline["metadata"]["name"])
                tasks = pipeline["spec"]["tasks"]
                final = pipeline["spec"].get("finally", [])
                for task in tasks + final:
                    if "taskSpec" in task:
                        # An embedded spec must also make a valid Task.
                        as_task = {"apiVersion": "tekton.dev/v1", "kind": "Task",
                                   "metadata": {"name": task["name"]}, "spec": task["taskSpec"]}
                        self.assertEqual(errors(self.tekton["Task"], as_task), [])
                steps = self.pipeline(path)["steps"]
                names = {kube_name(s["id"]): s["id"] for s in steps}
                self.assertEqual(sorted(t["name"] for t in tasks + final),
                                 sorted(kube_name(s["id"]) for s in steps))
                got = {(names[d], names[t["name"]]) for t in tasks for d in t.get("runAfter", [])}
                regular = {names[t["name"]] for t in tasks}
                expected = edges_of(path)
                for src, dst in expected:
                    if dst in regular:
                        continue  # a runAfter edge
                    # A finally task runs after every regular task; after
                    # another finally task it does not, and the report says so.
                    if src not in regular:
                        self.assertIn('step "%s": Tekton runs finally tasks side by side: it may '
                                      'start before "%s" ends' % (dst, src), result.stderr)
                    got.add((src, dst))
                self.assertEqual(got, expected)

    def test_github_actions(self):
        for path in self.pipelines:
            with self.subTest(path=path):
                docs = load_yaml(self.export(path, "github-actions").stdout)
                self.assertEqual(len(docs), 1)
                workflow = docs[0]
                self.assertEqual(errors(self.github, workflow), [])
                jobs = workflow["jobs"]
                steps = self.pipeline(path)["steps"]
                self.assertEqual(list(jobs), [s["id"] for s in steps])
                got = {(dep, job) for job, spec in jobs.items() for dep in spec.get("needs", [])}
                self.assertEqual(got, edges_of(path))
                for s in steps:
                    if s["uses"] == "shell":
                        runs = [x["run"] for x in jobs[s["id"]]["steps"]
                                if x["name"] == s.get("name", "Run " + s["id"])]
                        self.assertEqual(runs, [shell_script(s)], s["id"])

    def test_azure_pipelines(self):
        for path in self.pipelines:
            with self.subTest(path=path):
                docs = load_yaml(self.export(path, "azure-pipelines").stdout)
                self.assertEqual(len(docs), 1)
                doc = docs[0]
                # The schema's `ignoreCase` and `aliases` keywords are not
                # standard, so a standard validator ignores them: it is
                # looser than Azure there (case), and its task names cover
                # only built-in tasks, which is why the export uses `bash:`.
                self.assertEqual(errors(self.azure, azure_scalars(doc)), [])
                self.assertEqual((doc["trigger"], doc["pr"]), ("none", "none"))
                self.assertEqual(len(doc["stages"]), 1)
                jobs = azure_jobs(doc)
                steps = self.pipeline(path)["steps"]
                # Azure refuses '-' in job names, which the schema allows
                # (its referenceName pattern is ^[-_A-Za-z0-9]*$).
                names = {s["id"].replace("-", "_"): s["id"] for s in steps}
                self.assertEqual([azure_job_name(j) for j in jobs], list(names))
                for j in jobs:
                    self.assertRegex(azure_job_name(j), r"^[A-Za-z_][A-Za-z0-9_]*$")
                got = {(names[d], names[azure_job_name(j)]) for j in jobs
                       for d in j.get("dependsOn", [])}
                self.assertEqual(got, edges_of(path))
                by_id = {names[azure_job_name(j)]: j for j in jobs}
                for s in steps:
                    job = by_id[s["id"]]
                    condition = {"failure": "failed()", "always": "always()"}.get(s.get("if"))
                    self.assertEqual(job.get("condition"), condition, s["id"])
                    self.assertEqual(job.get("continueOnError"),
                                     True if s.get("continue_on_error") else None, s["id"])
                    bash = [x["bash"] for x in azure_steps(job) if "bash" in x]
                    if s["uses"] == "approval":
                        self.assertIn("deployment", job)
                        self.assertEqual(job["environment"], s["id"])
                    elif s["uses"] == "shell":
                        image = s.get("x-image", self.pipeline(path).get("x-export", {}).get("image"))
                        self.assertEqual(job.get("container"), image)
                        script = shell_script(s)
                        if not script.endswith("\n"):
                            script += "\n"
                        self.assertTrue(any(script in b for b in bash), s["id"])
                    else:
                        self.assertEqual(job["container"], "tame:0.1.0")
                        self.assertIn("tame __step %s\n" % s["uses"], bash)
                    if s.get("retries", {}).get("max"):
                        main = [x for x in azure_steps(job)
                                if "retryCountOnTaskFailure" in x]
                        self.assertEqual([x["retryCountOnTaskFailure"] for x in main],
                                         [min(s["retries"]["max"], 10)])

    def test_azure_outputs_and_secrets(self):
        path = os.path.join(SOURCE, "examples", "ml-to-k8s.json")
        result = self.export(path, "azure-pipelines")
        jobs = {azure_job_name(j): j for j in azure_jobs(load_yaml(result.stdout)[0])}
        # An output travels as an output variable of the step "outputs" and a
        # job variable of the job that reads it; a secret as a secret variable
        # mapped into the env of the step that uses it.
        self.assertIn('echo "##vso[task.setvariable variable=ref;isOutput=true]$value"\n',
                      [x["bash"] for x in jobs["push"]["steps"] if x.get("name") == "outputs"][0])
        self.assertEqual(jobs["deploy"]["variables"],
                         {"TAME_STEP_push_OUT_ref": "$[ dependencies.push.outputs['outputs.ref'] ]"})
        push = [x for x in jobs["push"]["steps"] if x.get("displayName") == "tame __step docker.push"][0]
        self.assertEqual(push["env"]["TAME_SECRET_REGISTRY_PASSWORD"], "$(REGISTRY_PASSWORD)")
        self.assertEqual(push["retryCountOnTaskFailure"], 3) if "retryCountOnTaskFailure" in push \
            else None
        report = result.stderr.splitlines()
        self.assertIn('examples/ml-to-k8s.json: /steps/3/with/required: step "signoff": the '
                      'approval is the environment "signoff", whose checks Azure keeps outside '
                      'the YAML: in Pipelines > Environments > signoff > Approvals and checks, '
                      'add Approvals with the approvers alice, bob and carol, "Minimum number of '
                      'approvals required" 2 and the timeout 1440 minutes', report)
        self.assertIn('examples/ml-to-k8s.json: /secrets: define REGISTRY_PASSWORD and '
                      'SLACK_WEBHOOK as secret variables of the pipeline (or of a variable group '
                      'it links); the steps that use them get them in env, as Azure passes no '
                      'secret to a script by itself', report)
        self.assertIn('examples/ml-to-k8s.json: /steps/1/retries: step "train": Azure waits '
                      'between retries as it chooses (1 s, then longer, up to 100 s); the backoff '
                      'and factor are not applied', report)

    def test_gitlab_ci(self):
        for path in self.pipelines:
            with self.subTest(path=path):
                docs = load_yaml(self.export(path, "gitlab-ci").stdout)
                self.assertEqual(len(docs), 1)
                doc = docs[0]
                self.assertEqual(errors(self.gitlab, doc), [])
                steps = self.pipeline(path)["steps"]
                jobs = {k: v for k, v in doc.items() if k not in ("stages", "variables")}
                self.assertEqual(list(jobs), [s["id"] for s in steps])
                # needs with artifacts are the graph's edges; a failure step
                # also needs, without artifacts, every step before it.
                got = {(n["job"], job) for job, spec in jobs.items()
                       for n in spec.get("needs", []) if n["artifacts"]}
                self.assertEqual(got, edges_of(path))
                for s in steps:
                    job = jobs[s["id"]]
                    self.assertIn(job["stage"], doc["stages"])
                    if s["uses"] == "approval":
                        self.assertEqual((job["when"], job["allow_failure"]), ("manual", False))
                        self.assertEqual(job["environment"], {"name": s["id"]})
                    else:
                        when = {"failure": "on_failure", "always": "always"}.get(s.get("if"))
                        self.assertEqual(job.get("when"), when, s["id"])
                    if s.get("continue_on_error"):
                        self.assertTrue(job["allow_failure"])
                    if s.get("retries", {}).get("max"):
                        self.assertEqual(job["retry"]["max"], min(s["retries"]["max"], 2))
                    if s["uses"] == "shell":
                        image = s.get("x-image", self.pipeline(path).get("x-export", {}).get("image"))
                        self.assertEqual(job.get("image"), image)
                        self.assertIn("\n" + shell_script(s).rstrip("\n") + "\n", job["script"][1])
                    elif s["uses"] != "approval":
                        self.assertEqual(job["image"], "tame:0.1.0")
                        self.assertIn("\ntame __step %s\n" % s["uses"], job["script"][1])
                for name in self.pipeline(path).get("params", {}):
                    self.assertIn("TAME_PARAM_" + name, doc["variables"])

    # ---- Goldens and the report -------------------------------------------------

    def test_goldens(self):
        for path in self.pipelines:
            base = os.path.splitext(os.path.basename(path))[0]
            for target in TARGETS:
                with self.subTest(path=path, target=target):
                    result = self.export(path, target)
                    self.check_golden("%s.%s" % (base, SUFFIX[target]), result.stdout)
                    self.check_golden("%s.%s.report" % (base, target), result.stderr)

    def test_output_is_deterministic(self):
        path = os.path.join(SOURCE, "examples", "ml-to-k8s.json")
        for target in TARGETS:
            self.assertEqual(self.export(path, target).stdout, self.export(path, target).stdout)

    def test_report_names_each_approximation(self):
        path = os.path.join(SOURCE, "examples", "ml-to-k8s.json")
        report = self.export(path, "github-actions").stderr.splitlines()
        self.assertEqual(report[0], "examples/ml-to-k8s.json: exported to github-actions: "
                                    "9 steps, %d notes on fidelity" % (len(report) - 1))
        self.assertIn('examples/ml-to-k8s.json: /steps/3/with/required: step "signoff": the '
                      'approval is the environment "signoff", whose required reviewers (alice, '
                      'bob and carol) are set in the repository\'s settings; GitHub lets any '
                      'one of them approve, not 2 of 3', report)
        self.assertIn('examples/ml-to-k8s.json: /steps/1/retries: step "train": GitHub Actions '
                      'has no retries: the step runs once', report)
        argo = self.export(path, "argo").stderr.splitlines()
        self.assertIn('examples/ml-to-k8s.json: /steps/1/cache: step "train": cache is not '
                      'exported: Argo Workflows runs the step every time', argo)

    def test_secrets_stay_references(self):
        path = os.path.join(SOURCE, "examples", "ml-to-k8s.json")
        argo = load_yaml(self.export(path, "argo").stdout)[0]
        push = [t for t in argo["spec"]["templates"] if t["name"] == "push"][0]
        env = {e["name"]: e for e in push["script"]["env"]}
        self.assertEqual(env["TAME_SECRET_REGISTRY_PASSWORD"],
                         {"name": "TAME_SECRET_REGISTRY_PASSWORD", "valueFrom": {"secretKeyRef": {
                             "name": "iris-to-k8s-secrets", "key": "REGISTRY_PASSWORD"}}})
        github = load_yaml(self.export(path, "github-actions").stdout)[0]
        push_env = [s for s in github["jobs"]["push"]["steps"]
                    if s["name"] == "tame __step docker.push"][0]["env"]
        self.assertEqual(push_env["TAME_SECRET_REGISTRY_PASSWORD"], "${{ secrets.REGISTRY_PASSWORD }}")
        # Values in the environment, where `tame run` would read them, stay out.
        env = dict(os.environ, REGISTRY_PASSWORD="hunter2-secret", SLACK_WEBHOOK="https://hook/x1")
        for target in TARGETS:
            result = tame("export", path, "--to", target, env=env)
            self.assertEqual(result.returncode, 0)
            for value in ["hunter2-secret", "https://hook/x1"]:
                self.assertNotIn(value, result.stdout + result.stderr)

    def test_options_choose_images(self):
        path = os.path.join(SOURCE, "examples", "local-ml.json")
        result = self.export(path, "argo", "--image", "alpine:3.19", "--tame-image", "reg/tame:1")
        wf = load_yaml(result.stdout)[0]
        images = {t["script"]["image"] for t in wf["spec"]["templates"] if "script" in t}
        self.assertEqual(images, {"alpine:3.19"})
        self.assertIn('examples/local-ml.json: shell steps run in the image "alpine:3.19" '
                      '(from --image), not on a build host', result.stderr.splitlines())

    # ---- Bad input and -o ---------------------------------------------------------

    def write(self, folder, doc, name="p.json"):
        path = os.path.join(folder, name)
        with open(path, "w") as f:
            f.write(doc if isinstance(doc, str) else json.dumps(doc))
        return path

    def test_bad_input_exits_2_with_a_clear_error(self):
        with tempfile.TemporaryDirectory() as tmp:
            good = {"version": 1, "name": "t", "steps": [{"id": "a", "uses": "shell", "with": {"run": "true"}}]}
            cases = [
                (["--to", "argo"], {"version": 1, "name": "t", "steps": [{"id": "a", "uses": "shel"}]},
                 'p.json: /steps/0/uses: step "a": unknown step kind "shel" (did you mean "shell"?)\n'),
                (["--to", "argo"], dict(good, **{"x-export": {"imgae": "x"}}),
                 'p.json: /x-export/imgae: unknown export option "imgae" (did you mean "image"?); '
                 'known: image, tame_image, secret, runs_on and storage\n'),
                (["--to", "tekton"], dict(good, **{"x-export": {"secret": "Bad_Name"}}),
                 "p.json: /x-export/secret: x-export.secret must be a Kubernetes name: lowercase "
                 "letters, digits, '-' and '.'\n"),
                (["--to", "argo"], dict(good, steps=[dict(good["steps"][0], **{"x-image": 3})]),
                 'p.json: /steps/0/x-image: step "a": x-image must be a non-empty line of text\n'),
                (["--to", "argo"], "{ not json", "p.json: line 1, column 4: invalid literal\n"),
                (["--to", "argos"], good, 'tame: unknown target "argos" (did you mean "argo"?); '
                                          'use %s or %s\n' % (", ".join(TARGETS[:-1]), TARGETS[-1])),
                ([], good, "tame: export needs --to TARGET: %s or %s\n"
                 % (", ".join(TARGETS[:-1]), TARGETS[-1])),
            ]
            for args, doc, message in cases:
                with self.subTest(args=args, doc=doc):
                    path = self.write(tmp, doc)
                    result = tame("export", "p.json", *args, cwd=tmp)
                    self.assertEqual(result.returncode, 2, result.stderr)
                    self.assertEqual(result.stdout, "")
                    self.assertEqual(result.stderr, message)
            missing = tame("export", "nope.json", "--to", "argo", cwd=tmp)
            self.assertEqual(missing.returncode, 2)
            self.assertTrue(missing.stderr.startswith("nope.json: "), missing.stderr)

    def test_o_writes_atomically(self):
        path = os.path.join(SOURCE, "examples", "ml-to-k8s.json")
        expected = self.export(path, "tekton").stdout
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "pipeline.yaml")
            with open(out, "w") as f:
                f.write("old\n")
            os.chmod(out, 0o640)
            result = tame("export", path, "--to", "tekton", "-o", out)
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertEqual(result.stdout, "")
            self.assertTrue(result.stderr.startswith(path + ": exported to tekton: 9 steps"))
            with open(out) as f:
                self.assertEqual(f.read(), expected)
            self.assertEqual(stat.S_IMODE(os.stat(out).st_mode), 0o640)
            self.assertEqual(os.listdir(tmp), ["pipeline.yaml"])  # no temporary left
            # A failed export leaves the old file as it was.
            bad = self.write(tmp, {"version": 1, "name": "t", "steps": []}, "bad.json")
            with open(bad, "w") as f:
                f.write("{}")
            failed = tame("export", bad, "--to", "tekton", "-o", out)
            self.assertEqual(failed.returncode, 2)
            with open(out) as f:
                self.assertEqual(f.read(), expected)
            # A folder that does not exist is an error, not a crash.
            nowhere = tame("export", path, "--to", "argo", "-o", os.path.join(tmp, "no", "x.yaml"))
            self.assertEqual(nowhere.returncode, 2)
            self.assertIn(os.path.join(tmp, "no", "x.yaml") + ": ", nowhere.stderr)

    def test_help(self):
        result = tame("export", "--help")
        self.assertEqual(result.returncode, 0)
        self.assertTrue(result.stdout.startswith(
            "usage: tame export FILE --to %s [-o PATH]\n" % "|".join(TARGETS)))
        self.assertEqual(TARGETS[:3], ["argo", "tekton", "github-actions"])
        self.assertIn("  argo              Argo Workflows (NAME.argo.yaml): one Workflow (a DAG)\n",
                      result.stdout)

    def test_docs_list_every_target(self):
        """docs/export.md's table of targets has a row per target of core's table."""
        with open(os.path.join(SOURCE, "docs", "export.md")) as f:
            docs = f.read()
        listed = re.findall(r"^\| `([a-z-]+)` \| ([^|]+) \| `NAME\.([a-z.-]+)` \|", docs, re.M)
        self.assertEqual([name for name, _, _ in listed], TARGETS)
        for name, title, suffix in listed:
            self.assertEqual((title.strip(), suffix), (TITLE[name], SUFFIX[name]), name)
        self.assertIn("tame export FILE --to %s " % "|".join(TARGETS), docs)


if __name__ == "__main__":
    TAME, SOURCE, SCHEMAS = (os.path.abspath(a) for a in sys.argv[1:4])
    read_targets()
    unittest.main(argv=sys.argv[:1], verbosity=1)
