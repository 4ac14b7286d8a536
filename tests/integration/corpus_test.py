"""Broken pipeline files: each gives its exact error and exit code 2, from
every verb that reads a file, and never crashes or hangs.

Run by ctest: corpus_test.py TAME SOURCE_DIR. The expected messages are in
tests/corpus/expected.json, with FILE standing for the path.
"""
import json
import os
import subprocess
import sys
import tempfile
import time
import unittest

TAME = SOURCE = None
VERBS = (["validate"], ["fmt"], ["plan"], ["graph", "--format", "dot"])


def run(args):
    start = time.monotonic()
    # The timeout only catches a hang; timing is the benchmarks' business.
    result = subprocess.run([TAME, *args], capture_output=True, timeout=20)
    return result, time.monotonic() - start


class CorpusTest(unittest.TestCase):
    slowest = (0.0, "")

    def check(self, path, expected_lines, fmt_refuses=True):
        # fmt needs only a sound structure, as gofmt formats code with type
        # errors; what the values mean is validate's business.
        verbs = VERBS if fmt_refuses else [v for v in VERBS if v[0] != "fmt"]
        for verb in verbs:
            result, seconds = run([*verb, path])
            CorpusTest.slowest = max(CorpusTest.slowest, (seconds, path))
            what = " ".join(verb) + " " + os.path.basename(path)
            self.assertEqual(result.returncode, 2, what + ": " + result.stderr.decode("utf-8", "replace"))
            self.assertEqual(result.stdout, b"", what)
            expected = "".join(line.replace("FILE", path) + "\n" for line in expected_lines)
            self.assertEqual(result.stderr.decode("utf-8"), expected, what)

    def test_committed_corpus(self):
        with open(os.path.join(SOURCE, "tests", "corpus", "expected.json")) as f:
            expected = json.load(f)
        names = sorted(n for n in os.listdir(os.path.join(SOURCE, "tests", "corpus"))
                       if n.endswith(".json") and n != "expected.json")
        self.assertEqual(names, sorted(expected), "every corpus file has its expected error")
        for name in names:
            with self.subTest(name):
                path = os.path.join(SOURCE, "tests", "corpus", name)
                self.check(path, expected[name]["errors"], expected[name]["fmt_refuses"])
                if not expected[name]["fmt_refuses"]:
                    result, _ = run(["fmt", path])
                    self.assertEqual(result.returncode, 0, "fmt " + name)

    def test_generated(self):
        with tempfile.TemporaryDirectory() as tmp:
            deep = os.path.join(tmp, "deep.json")
            with open(deep, "w") as f:
                f.write("[" * 100000)
            self.check(deep, ["FILE: " + "/0" * 64 + ": nesting is deeper than 64 levels"])

            big = os.path.join(tmp, "big.json")
            with open(big, "wb") as f:
                f.write(b'{"version": 1, "name": "')
                f.write(b"x" * (50 * 1024 * 1024))
                f.write(b'", "steps": []}')
            size = os.path.getsize(big)
            self.check(big, ["FILE: file is %d bytes; the limit is 16777216" % size])

            self.check(os.path.join(tmp, "missing.json"),
                       ["FILE: cannot open: No such file or directory"])
            self.check(tmp, ["FILE: is a folder, not a file"])

            wide = os.path.join(tmp, "wide.json")
            with open(wide, "w") as f:
                json.dump({"version": 1, "name": "w", "steps": [
                    {"id": "s%d" % i, "uses": "shell", "with": {"run": "true"}}
                    for i in range(50001)]}, f)
            self.check(wide, ["FILE: /steps: the file has 50001 steps; the limit is 50000"])

    def test_every_error_of_one_file_at_once(self):
        result, _ = run(["validate", os.path.join(SOURCE, "tests", "corpus", "many-problems.json")])
        self.assertEqual(len(result.stderr.decode().splitlines()), 7)

    def test_nothing_is_written_when_fmt_w_fails(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "p.json")
            original = b'{"version": 1, "name": "t", "steps": [{"id": "a", "uses": "shell", "with": {"run": "x"'
            with open(path, "wb") as f:
                f.write(original)
            result, _ = run(["fmt", "-w", path])
            self.assertEqual(result.returncode, 2)
            with open(path, "rb") as f:
                self.assertEqual(f.read(), original)
            self.assertEqual(os.listdir(tmp), ["p.json"])

    @classmethod
    def tearDownClass(cls):
        print("slowest rejection: %.3f s (%s)" % cls.slowest, file=sys.stderr)


if __name__ == "__main__":
    TAME, SOURCE = sys.argv[1], sys.argv[2]
    unittest.main(argv=sys.argv[:1], verbosity=1)
