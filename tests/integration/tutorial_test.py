"""The README's tutorial, run as written.

Run by ctest: tutorial_test.py TAME SOURCE_DIR. Takes the code blocks of the
README's "## Tutorial" section that follow a `<!-- tutorial -->` marker and
runs them in order, each line in bash, in a fresh folder, with the directory
of TAME first on PATH; `cd` carries over from block to block as in a
terminal. A block marked `<!-- tutorial: interactive -->` is a server the
reader stops with Ctrl-C: it is started, its address fetched, and stopped
with SIGINT.
"""
import glob
import os
import re
import signal
import subprocess
import sys
import tempfile
import unittest
import urllib.request

TAME = SOURCE = None


def tutorial_blocks():
    with open(os.path.join(SOURCE, "README.md")) as f:
        readme = f.read()
    section = re.search(r"^## Tutorial.*?(?=^## )", readme, re.S | re.M)
    assert section, "README.md has no '## Tutorial' section"
    return [(kind or "", body) for kind, body in re.findall(
        r"<!-- tutorial(: interactive)? -->\n```\n(.*?)```", section.group(0), re.S)]


class TutorialTest(unittest.TestCase):
    def test_tutorial_as_written(self):
        blocks = tutorial_blocks()
        self.assertGreaterEqual(len(blocks), 5)
        self.assertIn("tame init", blocks[0][1])
        cwd = tempfile.mkdtemp(prefix="tame-tutorial-")
        start = cwd
        env = dict(os.environ, PATH=os.path.dirname(TAME) + ":" + os.environ["PATH"])
        for key in ("DISPLAY", "WAYLAND_DISPLAY", "REGISTRY_PASSWORD", "SLACK_WEBHOOK"):
            env.pop(key, None)
        for kind, body in blocks:
            for line in body.strip().splitlines():
                if kind:
                    self.interactive(line, cwd, env)
                    continue
                marker = os.path.join(start, ".cwd")
                r = subprocess.run(["bash", "-e", "-c", line + '\npwd > "$0"', marker], cwd=cwd,
                                   env=env, capture_output=True, text=True,
                                   stdin=subprocess.DEVNULL, timeout=300)
                self.assertEqual(r.returncode, 0, "%s\n%s%s" % (line, r.stdout, r.stderr))
                with open(marker) as f:
                    cwd = f.read().strip()
        # What the tutorial says it leaves behind.
        runs = glob.glob(os.path.join(start, "my-model", ".tame", "runs", "*", "report.json"))
        self.assertEqual(len(runs), 2)
        with open(os.path.join(start, "my-model", ".gitignore")) as f:
            self.assertEqual(f.read(), ".tame/\n")
        self.assertTrue(os.path.isfile(os.path.join(start, "iris", "iris.argo.yaml")))

    def interactive(self, line, cwd, env):
        proc = subprocess.Popen(["bash", "-c", "exec " + line], cwd=cwd, env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL)
        try:
            out = ""
            while "Press Ctrl-C to stop." not in out:
                chunk = proc.stdout.readline()
                if not chunk:
                    self.fail("%s ended: %s%s" % (line, out, proc.stderr.read()))
                out += chunk
            url = re.search(r"http://127\.0\.0\.1:\d+/\S*", out).group(0)
            with urllib.request.urlopen(url, timeout=30) as page:
                self.assertEqual(page.status, 200)
            served = url.split("?open=")[1]
            with urllib.request.urlopen(url.split("?")[0] + served, timeout=30) as file:
                with open(os.path.join(cwd, "pipeline.json"), "rb") as f:
                    self.assertEqual(file.read(), f.read())
            proc.send_signal(signal.SIGINT)
            self.assertEqual(proc.wait(timeout=30), 130)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stdout.close()
            proc.stderr.close()


if __name__ == "__main__":
    TAME, SOURCE = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    unittest.main(argv=sys.argv[:1], verbosity=1)
