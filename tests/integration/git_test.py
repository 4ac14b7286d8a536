"""git.checkout and git.tag as step processes (`tame __step KIND`, the
contract in runner/steps/step.h) against the real git: bare repositories
made here, and git's own smart-HTTP server (git http-backend) behind a
password on 127.0.0.1 for the token tests.

Run by ctest: git_test.py TAME SOURCE_DIR.
"""
import base64
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import services  # noqa: E402
from services import git  # noqa: E402

TAME = SOURCE = None


def read(path):
    with open(path) as f:
        return f.read()


def step(kind, params, workdir, extra_env=None, timeout=120):
    """Runs one step process; returns (completed process, outputs)."""
    out = os.path.join(workdir, "outputs")
    env = dict(os.environ, TAME_PARAMS=json.dumps(params), TAME_STEP="s", TAME_RUN_ID="R1",
               TAME_WORKSPACE=workdir, TAME_OUTPUT=out,
               TAME_RUN_DIR=os.path.join(workdir, ".tame", "runs", "R1"))
    env.update(extra_env or {})
    r = subprocess.run([TAME, "__step", kind], cwd=workdir, env=env, capture_output=True,
                       text=True, timeout=timeout)
    outputs = {}
    if os.path.exists(out):
        for line in read(out).splitlines():
            k, _, v = line.partition("=")
            outputs[k] = v
        os.unlink(out)
    return r, outputs


class GitHttpServer:
    """git http-backend behind HTTP basic auth, on 127.0.0.1."""

    def __init__(self, root, user, token):
        expected = "Basic " + base64.b64encode(("%s:%s" % (user, token)).encode()).decode()
        self.seen = []  # the Authorization headers that came

        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                self.cgi()

            def do_POST(self):
                self.cgi()

            def body(self):
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    data = b""
                    while True:
                        size = int(self.rfile.readline().split(b";")[0], 16)
                        if size == 0:
                            self.rfile.readline()
                            return data
                        data += self.rfile.read(size)
                        self.rfile.readline()
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def cgi(self):
                auth = self.headers.get("Authorization")
                outer.seen.append(auth)
                body = self.body()
                if auth != expected:
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", 'Basic realm="git"')
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                path, _, query = self.path.partition("?")
                env = {"PATH": os.environ["PATH"], "GIT_PROJECT_ROOT": root,
                       "GIT_HTTP_EXPORT_ALL": "1", "PATH_INFO": path, "QUERY_STRING": query,
                       "REQUEST_METHOD": self.command, "REMOTE_USER": user,
                       "REMOTE_ADDR": "127.0.0.1", "CONTENT_LENGTH": str(len(body)),
                       "CONTENT_TYPE": self.headers.get("Content-Type", ""),
                       "GIT_PROTOCOL": self.headers.get("Git-Protocol", ""),
                       "HTTP_CONTENT_ENCODING": self.headers.get("Content-Encoding", "")}
                out = subprocess.run(["git", "http-backend"], input=body, env=env,
                                     capture_output=True).stdout
                head, _, rest = out.partition(b"\r\n\r\n")
                status, headers = 200, []
                for line in head.decode().split("\r\n"):
                    name, _, value = line.partition(":")
                    if name.lower() == "status":
                        status = int(value.split()[0])
                    elif name:
                        headers.append((name, value.strip()))
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(rest)))
                self.end_headers()
                self.wfile.write(rest)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class GitTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="tame-git-test-")
        self.ws = os.path.join(self.dir, "ws")
        os.makedirs(os.path.join(self.ws, ".tame", "runs", "R1"))
        self.bare, self.first, self.work = services.make_bare_repo(
            self.dir, "model", {"train.py": "print('one')\n", "README": "model\n"})
        git("tag", "-a", "v1", "-m", "v1", cwd=self.work)
        self.commit("train.py", "print('two')\n")
        self.second = git("rev-parse", "HEAD", cwd=self.work)
        git("checkout", "-q", "-b", "feature", cwd=self.work)
        self.commit("feature.txt", "f\n")
        self.feature = git("rev-parse", "HEAD", cwd=self.work)
        git("checkout", "-q", "main", cwd=self.work)
        git("push", "-q", "--tags", self.bare, "main", "feature", cwd=self.work)

    def tearDown(self):
        shutil.rmtree(self.dir)

    def commit(self, path, text):
        with open(os.path.join(self.work, path), "w") as f:
            f.write(text)
        git("add", "-A", cwd=self.work)
        git("commit", "-q", "-m", "change " + path, cwd=self.work)

    def head(self, folder):
        return git("rev-parse", "HEAD", cwd=os.path.join(self.ws, folder))

    def test_clones_the_default_branch_into_the_repos_name(self):
        r, outputs = step("git.checkout", {"repo": self.bare}, self.ws)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(outputs, {"sha": self.second, "path": os.path.join(self.ws, "model")})
        self.assertEqual(read(os.path.join(self.ws, "model", "train.py")), "print('two')\n")
        self.assertEqual(r.stdout.splitlines()[-1],
                         "git.checkout: %s at its default branch is %s, in %s"
                         % (self.bare, self.second, os.path.join(self.ws, "model")))

    def test_branch_tag_and_commit(self):
        for ref, sha in (("feature", self.feature), ("v1", self.first), (self.first, self.first),
                         (self.second[:8], self.second), ("main", self.second)):
            r, outputs = step("git.checkout", {"repo": self.bare, "ref": ref, "path": "src"},
                              self.ws)
            self.assertEqual(r.returncode, 0, r.stdout)
            self.assertEqual(outputs["sha"], sha, ref)
            self.assertEqual(self.head("src"), sha)

    def test_a_relative_repo_path_is_read_against_the_workspace(self):
        r, outputs = step("git.checkout", {"repo": "../model.git", "path": "m"}, self.ws)
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertEqual(outputs["sha"], self.second)
        origin = git("remote", "get-url", "origin", cwd=os.path.join(self.ws, "m"))
        self.assertEqual(origin, self.bare)

    def test_shallow_then_whole_history(self):
        r, outputs = step("git.checkout", {"repo": self.bare, "depth": 1, "path": "s"}, self.ws)
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertIn("$ git fetch --force --depth 1 origin HEAD", r.stdout)
        self.assertEqual(git("rev-list", "--count", "HEAD", cwd=os.path.join(self.ws, "s")), "1")
        self.assertTrue(os.path.exists(os.path.join(self.ws, "s", ".git", "shallow")))
        r, _ = step("git.checkout", {"repo": self.bare, "path": "s"}, self.ws)
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertIn("--unshallow", r.stdout)
        self.assertEqual(git("rev-list", "--count", "HEAD", cwd=os.path.join(self.ws, "s")), "2")

    def test_fetches_into_an_existing_clone(self):
        step("git.checkout", {"repo": self.bare, "path": "src"}, self.ws)
        src = os.path.join(self.ws, "src")
        with open(os.path.join(src, "train.py"), "w") as f:
            f.write("edited by a step\n")
        with open(os.path.join(src, "metrics.json"), "w") as f:
            f.write("{}\n")
        self.commit("train.py", "print('three')\n")
        git("push", "-q", self.bare, "main", cwd=self.work)
        r, outputs = step("git.checkout", {"repo": self.bare, "path": "src"}, self.ws)
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertNotIn("git init", r.stdout)
        self.assertEqual(outputs["sha"], git("rev-parse", "HEAD", cwd=self.work))
        self.assertEqual(read(os.path.join(src, "train.py")), "print('three')\n")
        self.assertTrue(os.path.exists(os.path.join(src, "metrics.json")))  # untracked: kept

    def test_an_unknown_ref_fails_for_good(self):
        r, _ = step("git.checkout", {"repo": self.bare, "ref": "nope"}, self.ws)
        self.assertEqual(r.returncode, 3)
        self.assertEqual(r.stdout.splitlines()[-1],
                         'git.checkout: %s has no branch, tag or commit "nope"' % self.bare)
        r, _ = step("git.checkout", {"repo": self.bare, "ref": "deadbeef"}, self.ws)
        self.assertEqual(r.returncode, 3)

    def test_an_unreachable_repo_may_be_retried(self):
        r, _ = step("git.checkout", {"repo": os.path.join(self.dir, "gone.git"), "path": "g"},
                    self.ws)
        self.assertEqual(r.returncode, 1)
        self.assertIn("does not appear to be a git repository", r.stdout)
        self.assertEqual(r.stdout.splitlines()[-1],
                         "git.checkout: cannot fetch from " + os.path.join(self.dir, "gone.git"))

    def test_refuses_the_workspace_and_folders_that_are_not_clones(self):
        r, _ = step("git.checkout", {"repo": self.bare, "path": "."}, self.ws)
        self.assertEqual(r.returncode, 3)
        self.assertEqual(r.stdout, 'git.checkout: path "." is the workspace or holds it; check '
                                   "out into a folder of its own\n")
        os.makedirs(os.path.join(self.ws, "busy"))
        open(os.path.join(self.ws, "busy", "file"), "w").close()
        r, _ = step("git.checkout", {"repo": self.bare, "path": "busy"}, self.ws)
        self.assertEqual(r.returncode, 3)
        self.assertIn("git.checkout: %s exists and is not a git clone; empty it or check out into "
                      "another path\n" % os.path.join(self.ws, "busy"), r.stdout)
        r, _ = step("git.checkout", {"repo": "--upload-pack=touch /tmp/x"}, self.ws)
        self.assertEqual(r.returncode, 3)

    def test_tag_annotated_pushed_and_idempotent(self):
        step("git.checkout", {"repo": self.bare, "ref": "v1", "path": "src"}, self.ws)
        r, outputs = step("git.tag", {"path": "src", "tag": "model-1", "message": "first model",
                                      "push": True}, self.ws)
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertEqual(outputs, {"tag": "model-1"})
        self.assertEqual(git("cat-file", "-t", "model-1", cwd=self.bare), "tag")
        self.assertEqual(git("rev-parse", "model-1^{commit}", cwd=self.bare), self.first)
        self.assertIn("first model", git("cat-file", "-p", "model-1", cwd=self.bare))
        # Again (a retry after a failed push): kept, pushed, fine.
        r, _ = step("git.tag", {"path": "src", "tag": "model-1", "push": True}, self.ws)
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertIn("git.tag: model-1 already names %s; kept" % self.first, r.stdout)
        # The same name at another commit is never moved.
        step("git.checkout", {"repo": self.bare, "ref": "main", "path": "src"}, self.ws)
        r, _ = step("git.tag", {"path": "src", "tag": "model-1"}, self.ws)
        self.assertEqual(r.returncode, 3)
        self.assertEqual(r.stdout, "git.tag: the tag model-1 already names %s, not the checked-out "
                                   "commit %s\n" % (self.first, self.second))

    def test_tag_refuses_bad_names_and_a_folder_without_a_clone(self):
        r, _ = step("git.tag", {"path": ".", "tag": "bad..name"}, self.ws)
        self.assertEqual((r.returncode, r.stdout), (3, 'git.tag: "bad..name" is not a valid tag '
                                                       "name\n"))
        r, _ = step("git.tag", {"path": "nothing", "tag": "v2"}, self.ws)
        self.assertEqual((r.returncode, r.stdout),
                         (3, "git.tag: %s is not a git clone with a commit checked out\n"
                          % os.path.join(self.ws, "nothing")))

    def test_tag_push_refused_by_the_remote(self):
        step("git.checkout", {"repo": self.bare, "path": "src"}, self.ws)
        git("tag", "-a", "taken", "-m", "x", self.first, cwd=self.work)
        git("push", "-q", self.bare, "taken", cwd=self.work)
        r, _ = step("git.tag", {"path": "src", "tag": "taken", "push": True}, self.ws)
        self.assertEqual(r.returncode, 3, r.stdout)
        self.assertEqual(r.stdout.splitlines()[-1],
                         "git.tag: the remote origin already has a different tag taken")


class GitTokenTest(unittest.TestCase):
    """A token by secret reference reaches git through GIT_ASKPASS only."""

    TOKEN = "tok-3f9a/+Q=secret"

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="tame-git-token-")
        self.ws = os.path.join(self.dir, "ws")
        self.run_dir = os.path.join(self.ws, ".tame", "runs", "R1")
        os.makedirs(self.run_dir)
        self.root = os.path.join(self.dir, "served")
        os.makedirs(self.root)
        self.bare, self.sha, _ = services.make_bare_repo(self.root, "iris", {"a.txt": "a\n"})
        git("config", "http.receivepack", "true", cwd=self.bare)
        self.server = GitHttpServer(self.root, "x-access-token", self.TOKEN)
        self.url = self.server.url + "/iris.git"
        # A git on PATH that records every command line it is given.
        self.shim = os.path.join(self.dir, "shim")
        os.makedirs(self.shim)
        self.argv_log = os.path.join(self.dir, "argv.log")
        with open(os.path.join(self.shim, "git"), "w") as f:
            f.write("#!/bin/sh\nprintf '%%s\\n' \"$*\" >> %s\nexec %s \"$@\"\n"
                    % (self.argv_log, shutil.which("git")))
        os.chmod(os.path.join(self.shim, "git"), 0o755)
        self.tmp = os.path.join(self.dir, "tmp")
        os.makedirs(self.tmp)
        self.env = {"PATH": self.shim + ":" + os.environ["PATH"], "TMPDIR": self.tmp}

    def tearDown(self):
        self.server.stop()
        shutil.rmtree(self.dir)

    def assert_token_nowhere(self, *texts):
        forms = [self.TOKEN, base64.b64encode(self.TOKEN.encode()).decode()[:12]]
        for form in forms:
            for text in texts:
                self.assertNotIn(form, text)
            for folder, _, files in os.walk(self.ws):
                for name in files:
                    with open(os.path.join(folder, name), "rb") as f:
                        self.assertNotIn(form.encode(), f.read(), os.path.join(folder, name))
            self.assertNotIn(form, read(self.argv_log))
        self.assertEqual(os.listdir(self.tmp), [])  # the askpass helper is gone

    def test_checkout_and_tag_push_with_a_token(self):
        r, outputs = step("git.checkout", {"repo": self.url, "token": self.TOKEN, "path": "src"},
                          self.ws, self.env)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(outputs["sha"], self.sha)
        self.assertIn("Basic " + base64.b64encode(
            ("x-access-token:" + self.TOKEN).encode()).decode(), self.server.seen)
        r2, outputs = step("git.tag", {"path": "src", "tag": "v1", "push": True,
                                       "token": self.TOKEN}, self.ws, self.env)
        self.assertEqual(r2.returncode, 0, r2.stdout + r2.stderr)
        self.assertEqual(git("rev-parse", "v1^{commit}", cwd=self.bare), self.sha)
        self.assertEqual(git("remote", "get-url", "origin", cwd=os.path.join(self.ws, "src")),
                         self.url)
        self.assert_token_nowhere(r.stdout, r.stderr, r2.stdout, r2.stderr)

    def test_without_the_token_git_does_not_wait_for_a_prompt(self):
        r, _ = step("git.checkout", {"repo": self.url, "path": "src"}, self.ws, self.env,
                    timeout=60)
        self.assertEqual(r.returncode, 1)
        self.assertIn("terminal prompts disabled", r.stdout)

    def test_a_wrong_token_is_refused(self):
        r, _ = step("git.checkout", {"repo": self.url, "path": "src", "token": "wrong-token"},
                    self.ws, self.env)
        self.assertEqual(r.returncode, 1)
        self.assertIn("Authentication failed", r.stdout)
        self.assertNotIn("wrong-token", r.stdout + read(self.argv_log))


    def test_through_tame_run_the_token_stays_out_of_the_run_folder(self):
        pipeline = {"version": 1, "name": "token-run",
                    "secrets": {"GIT_TOKEN": {"from": "env"}},
                    "steps": [
                        {"id": "checkout", "uses": "git.checkout",
                         "with": {"repo": self.url, "path": "src",
                                  "token": "${{ secrets.GIT_TOKEN }}"}},
                        {"id": "tag", "uses": "git.tag",
                         "with": {"path": "${{ steps.checkout.outputs.path }}", "tag": "run-1",
                                  "push": True, "token": "${{ secrets.GIT_TOKEN }}"}}]}
        with open(os.path.join(self.ws, "pipeline.json"), "w") as f:
            json.dump(pipeline, f)
        r = subprocess.run([TAME, "run", "pipeline.json"], cwd=self.ws, capture_output=True,
                           text=True, timeout=120,
                           env=dict(os.environ, GIT_TOKEN=self.TOKEN, NO_COLOR="1", **self.env))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(git("rev-parse", "run-1^{commit}", cwd=self.bare), self.sha)
        with open(os.path.join(self.ws, "pipeline.json"), "w") as f:
            f.write("{}")  # the walk below reads every file of the workspace
        self.assert_token_nowhere(r.stdout, r.stderr)


if __name__ == "__main__":
    TAME, SOURCE = sys.argv[1], sys.argv[2]
    unittest.main(argv=sys.argv[:1], verbosity=2)
