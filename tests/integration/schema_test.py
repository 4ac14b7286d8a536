"""The pipeline schema against the catalog, the examples and tame itself.

Run by ctest: schema_test.py TAME SOURCE_DIR. Uses the jsonschema module of
Debian's /usr/bin/python3 (python3-jsonschema).
"""
import copy
import glob
import json
import os
import subprocess
import sys
import tempfile
import unittest

import jsonschema

TAME = SOURCE = None


def tame(*args, stdin=None):
    return subprocess.run([TAME, *args], capture_output=True, text=True, input=stdin, timeout=30)


class SchemaTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(os.path.join(SOURCE, "schemas", "pipeline.schema.json")) as f:
            cls.schema_text = f.read()
        cls.schema = json.loads(cls.schema_text)
        cls.validator = jsonschema.Draft202012Validator(cls.schema)
        cls.kinds = json.loads(tame("kinds", "--json").stdout)
        cls.examples = sorted(glob.glob(os.path.join(SOURCE, "examples", "*.json")))

    def test_committed_schema_is_what_tame_generates(self):
        self.assertEqual(tame("schema").stdout, self.schema_text,
                         "schemas/pipeline.schema.json is stale: run 'tame schema > "
                         "schemas/pipeline.schema.json'")

    def test_schema_is_valid_2020_12(self):
        jsonschema.Draft202012Validator.check_schema(self.schema)

    def test_every_example_validates(self):
        self.assertGreaterEqual(len(self.examples), 2)
        for path in self.examples:
            with open(path) as f:
                errors = [e.message for e in self.validator.iter_errors(json.load(f))]
            self.assertEqual(errors, [], path)

    def test_catalog_and_schema_agree_on_kinds_and_params(self):
        defs = self.schema["$defs"]
        self.assertEqual(sorted(defs["step"]["properties"]["uses"]["enum"]),
                         sorted(k["uses"] for k in self.kinds))
        for kind in self.kinds:
            with_schema = defs["with." + kind["uses"]]
            self.assertEqual(sorted(with_schema["properties"]), sorted(p["name"] for p in kind["params"]),
                             kind["uses"])
            self.assertEqual(sorted(with_schema.get("required", [])),
                             sorted(p["name"] for p in kind["params"] if p["required"]),
                             kind["uses"])
            for p in kind["params"]:
                self.assertEqual(with_schema["properties"][p["name"]].get("default"),
                                 p.get("default"), kind["uses"] + "." + p["name"])

    def agree(self, doc, expect_valid, what):
        schema_ok = self.validator.is_valid(doc)
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(doc, f)
        try:
            result = tame("validate", f.name)
        finally:
            os.unlink(f.name)
        self.assertEqual(schema_ok, expect_valid, "schema on " + what)
        self.assertEqual(result.returncode, 0 if expect_valid else 2,
                         "tame on " + what + ": " + result.stderr)

    def test_tame_and_schema_reject_the_same_mistakes(self):
        with open(os.path.join(SOURCE, "examples", "ml-to-k8s.json")) as f:
            base = json.load(f)
        self.agree(base, True, "the example")
        for kind in self.kinds:
            step = {"id": "s", "uses": kind["uses"], "with": {}}
            required = [p for p in kind["params"] if p["required"]]
            # Every required param present, with a value of its type.
            sample = {"string": "x", "text": "x", "integer": 1, "number": 1,
                      "boolean": True, "duration": "1s", "list of strings": ["x"],
                      "map of strings": {"k": "v"}, "secret reference": "${{ secrets.S }}",
                      "rules": [{"metric": "m", "op": ">=", "value": 1}]}
            def value_of(p):
                if p["type"] == "object":
                    return {f["name"]: value_of(f) for f in p["fields"] if f["required"]}
                if p["type"] == "list of objects":
                    return [value_of(dict(p, type="object"))]
                if p["type"] == "enum":
                    return p["choices"][0]
                return sample[p["type"]]
            for p in required:
                step["with"][p["name"]] = value_of(p)
            doc = {"version": 1, "name": "t", "secrets": {"S": {"from": "env"}}, "steps": [step]}
            self.agree(doc, True, kind["uses"] + " with its required params")
            unknown = copy.deepcopy(doc)
            unknown["steps"][0]["with"]["no_such_param"] = "x"
            self.agree(unknown, False, kind["uses"] + " with an unknown param")
            for p in required:
                missing = copy.deepcopy(doc)
                del missing["steps"][0]["with"][p["name"]]
                self.agree(missing, False, kind["uses"] + " without " + p["name"])
            for p in kind["params"]:
                wrong = copy.deepcopy(doc)
                bad = ["x"] if p["type"] == "map of strings" else {"not": "right"}
                wrong["steps"][0]["with"][p["name"]] = bad
                self.agree(wrong, False, kind["uses"] + "." + p["name"] + " as " + json.dumps(bad))
        # Object params: each field typed, unknown and missing fields refused.
        for kind in self.kinds:
            for p in kind["params"]:
                if p["type"] != "object":
                    continue
                step = {"id": "s", "uses": kind["uses"],
                        "with": {q["name"]: value_of(q) for q in kind["params"] if q["required"]}}
                step["with"][p["name"]] = value_of(p)
                doc = {"version": 1, "name": "t", "secrets": {"S": {"from": "env"}}, "steps": [step]}
                if kind["uses"] == "k8s.deploy":
                    step["with"]["resources"] = {"requests.cpu": "100m"}
                    # An analysis judges a release, and a metric is read from
                    # somewhere: rules across fields that tame checks and a
                    # schema does not.
                    if p["name"] == "analysis":
                        step["with"]["strategy"] = "blue-green"
                        step["with"]["analysis"]["metrics"][0].update(url="http://x/", json_path="a")
                self.agree(doc, True, kind["uses"] + "." + p["name"] + " with its required fields")
                extra = copy.deepcopy(doc)
                extra["steps"][0]["with"][p["name"]]["no_such_field"] = 1
                self.agree(extra, False, kind["uses"] + "." + p["name"] + " with an unknown field")
                for f in p["fields"]:
                    wrong = copy.deepcopy(doc)
                    wrong["steps"][0]["with"][p["name"]][f["name"]] = {"not": "right"}
                    self.agree(wrong, False, kind["uses"] + "." + p["name"] + "." + f["name"])
                    if f["required"]:
                        missing = copy.deepcopy(doc)
                        del missing["steps"][0]["with"][p["name"]][f["name"]]
                        self.agree(missing, False, kind["uses"] + "." + p["name"] + " without " + f["name"])
        for mutate, what in [
            (lambda d: d.update(version=2), "version 2"),
            (lambda d: d.update(stpes=[]), "an unknown top-level key"),
            (lambda d: d["steps"][0].update(id="Bad"), "a bad id"),
            (lambda d: d["steps"][0].update(timeout="10"), "a duration without a unit"),
            (lambda d: d["steps"][0].update(**{"if": "sometimes"}), "a bad condition"),
            (lambda d: d["steps"][0].update(retries={"max": 101}), "too many retries"),
            (lambda d: d["steps"][0].update(uses="docker.biuld"), "an unknown kind"),
        ]:
            doc = copy.deepcopy(base)
            mutate(doc)
            self.agree(doc, False, what)


if __name__ == "__main__":
    TAME, SOURCE = sys.argv[1], sys.argv[2]
    unittest.main(argv=sys.argv[:1], verbosity=1)
