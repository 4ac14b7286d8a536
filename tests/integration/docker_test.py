"""git.checkout, docker.build and docker.push as step processes (`tame
__step KIND`, the contract in runner/steps/step.h) against a real Docker
engine and real registries (Debian's docker-registry) on 127.0.0.1.

The engine is the one running (DOCKER_HOST or /var/run/docker.sock) or a
dockerd started here and stopped at the end; the base image is a local
busybox imported into it, so nothing is pulled from outside. When no engine
can run at all, the whole file reports itself SKIPPED with the reason (exit
77, which ctest shows as skipped); it never passes without running.

Run by ctest: docker_test.py TAME SOURCE_DIR.
"""
import base64
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import services  # noqa: E402

TAME = SOURCE = None
ENGINE = REGISTRY = AUTH_REGISTRY = None
AUTH_SKIP = None  # why the registry with a password could not start
BASE = services.BASE_IMAGE
WORKDIR = None
USER, PASSWORD = "ci", "pa55/w+rd=ok"


def read(path):
    with open(path) as f:
        return f.read()


def write(path, text, mode=None):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    if mode is not None:
        os.chmod(path, mode)


def step(kind, params, workdir, extra_env=None, timeout=300):
    """Runs one step process against ENGINE; returns (process, outputs)."""
    out = os.path.join(workdir, "outputs")
    env = dict(os.environ, TAME_PARAMS=json.dumps(params), TAME_STEP="s", TAME_RUN_ID="R1",
               TAME_WORKSPACE=workdir, TAME_OUTPUT=out,
               TAME_RUN_DIR=os.path.join(workdir, ".tame", "runs", "R1"),
               HOME=os.path.join(workdir, "home"))
    env.update(ENGINE.env)
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


class TcpToUnix:
    """127.0.0.1:PORT forwarded to the engine's unix socket: DOCKER_HOST=tcp://."""

    def __init__(self, socket_path):
        self.path = socket_path
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.socket(socket.AF_UNIX)
            upstream.connect(self.path)
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self.pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def pipe(a, b):
        try:
            while True:
                data = a.recv(65536)
                if not data:
                    break
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            a.close()

    def close(self):
        self.listener.close()


class DockerTest(unittest.TestCase):
    def setUp(self):
        self.ws = tempfile.mkdtemp(prefix="tame-docker-test-", dir=WORKDIR)
        os.makedirs(os.path.join(self.ws, ".tame", "runs", "R1"))
        os.makedirs(os.path.join(self.ws, "home"))

    def tearDown(self):
        shutil.rmtree(self.ws)

    def context(self, files):
        folder = os.path.join(self.ws, "ctx")
        for path, text in files.items():
            write(os.path.join(folder, path), text)
        return folder

    def image_files(self, image, folder):
        code, out = services.run_container(ENGINE, image, ["find", folder])
        self.assertEqual(code, 0, out)
        return sorted(out.split())

    # The delivery story: a commit in a bare repo becomes an image in
    # the registry, tagged with the commit, published by digest.
    def test_checkout_build_push_and_the_registry_has_it(self):
        bare, sha, _ = services.make_bare_repo(
            self.ws, "iris", os.path.join(SOURCE, "examples", "iris-service"))
        r, checkout = step("git.checkout", {"repo": bare, "depth": 1}, self.ws)
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertEqual(checkout["sha"], sha)

        r, build = step("docker.build", {"context": "iris", "build_args": {"BASE": BASE}}, self.ws)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(build["image"], "iris:" + sha[:12])
        self.assertIn("docker.build: no tags given; tagging iris:%s (the context folder's name "
                      "and the git commit checked out in it)" % sha[:12], r.stdout)
        self.assertIn("Step 2/7 : FROM ${BASE}", r.stdout)
        status, body = ENGINE.api("GET", "/images/%s/json" % build["image"])
        self.assertEqual(json.loads(body)["Id"], build["image_id"])

        r, push = step("docker.push", {"image": build["image"], "registry": REGISTRY.address},
                       self.ws)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn(sha[:12], REGISTRY.tags("iris"))
        self.assertEqual(REGISTRY.manifest_digest("iris", sha[:12]), push["digest"])
        self.assertEqual(REGISTRY.manifest_digest("iris", push["digest"]), push["digest"])
        self.assertEqual(push["ref"], "%s/iris@%s" % (REGISTRY.address, push["digest"]))
        self.assertEqual(r.stdout.splitlines()[-1], "docker.push: ref " + push["ref"])

        # The image serves the model: the endpoint classifies a flower.
        code, out = services.run_container(ENGINE, push["ref"], ["sh", "-c",
            "httpd -p 8080 -h /srv/www && sleep 0.3 && "
            "wget -qO- 'http://127.0.0.1:8080/cgi-bin/predict?petal_length=5.1&petal_width=2.0'"
            " && wget -qO- http://127.0.0.1:8080/model.json"])
        self.assertEqual(code, 0, out)
        lines = out.splitlines()
        self.assertEqual(json.loads(lines[0]),
                         {"class": "virginica", "petal_length": 5.1, "petal_width": 2.0})
        self.assertEqual(json.loads(lines[1])["model"], "iris-tree")
        # .dockerignore kept the training data and script out.
        self.assertEqual(self.image_files(build["image"], "/srv"), [
            "/srv", "/srv/www", "/srv/www/cgi-bin", "/srv/www/cgi-bin/predict", "/srv/www/healthz",
            "/srv/www/index.html", "/srv/www/model.json"])

    def test_the_context_tar_honours_dockerignore_modes_links_and_long_names(self):
        long_dir = "/".join(["a-rather-long-folder-name-%d" % i for i in range(5)])
        files = {
            "Dockerfile": "FROM %s\nCOPY . /ctx\n" % BASE,
            ".dockerignore": "# comment\n*.log\n**/*.tmp\nsecrets\ndata/*\n!data/keep.csv\n"
                             "/Dockerfile\nbuild/\n",
            "app.py": "print('hi')\n",
            "debug.log": "x\n",
            "sub/deep/x.tmp": "x\n",
            "sub/deep/y.txt": "y\n",
            "secrets/key": "k\n",
            "data/keep.csv": "1\n",
            "data/drop.csv": "2\n",
            "build/out.o": "o\n",
            "with space and ünïcode.txt": "u\n",
            long_dir + "/file-with-a-long-name-" + "z" * 60 + ".txt": "deep\n",
            ".tame/runs/R0/logs/s.log": "a log of another run\n",
        }
        ctx = self.context(files)
        os.symlink("sub/deep/y.txt", os.path.join(ctx, "link-inside"))
        os.makedirs(os.path.join(ctx, "empty"))
        write(os.path.join(ctx, "run.sh"), "#!/bin/sh\n", 0o750)
        blob = os.urandom(3 << 20)
        with open(os.path.join(ctx, "model.bin"), "wb") as f:
            f.write(blob)
        r, out = step("docker.build", {"context": "ctx", "tags": ["ctx-test:1"]}, self.ws)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        # The Dockerfile is sent, but the engine leaves it out of the image
        # when .dockerignore names it, as with the docker CLI.
        expected = ["/ctx", "/ctx/.dockerignore", "/ctx/app.py",
                    "/ctx/data", "/ctx/data/keep.csv", "/ctx/empty", "/ctx/link-inside",
                    "/ctx/model.bin", "/ctx/run.sh", "/ctx/sub", "/ctx/sub/deep",
                    "/ctx/sub/deep/y.txt", "/ctx/with space and ünïcode.txt"]
        parts = long_dir.split("/")
        for i in range(len(parts)):
            expected.append("/ctx/" + "/".join(parts[:i + 1]))
        expected.append("/ctx/" + long_dir + "/file-with-a-long-name-" + "z" * 60 + ".txt")
        code, listing = services.run_container(ENGINE, "ctx-test:1", ["find", "/ctx"])
        self.assertEqual(sorted(listing.splitlines()), sorted(expected))
        if shutil.which("docker"):  # the same context through the docker CLI
            cli = subprocess.run(["docker", "build", "-q", "-t", "ctx-cli:1", ctx],
                                 env=dict(os.environ, **ENGINE.env), capture_output=True)
            self.assertEqual(cli.returncode, 0, cli.stderr)
            code, by_cli = services.run_container(ENGINE, "ctx-cli:1", ["find", "/ctx"])
            # ... which also sends tame's run folders; tame leaves them out.
            self.assertEqual(sorted(f for f in by_cli.splitlines()
                                    if not f.startswith("/ctx/.tame")), sorted(expected))
        code, check = services.run_container(ENGINE, "ctx-test:1", ["sh", "-c",
            "sha256sum /ctx/model.bin; stat -c '%a' /ctx/run.sh; readlink /ctx/link-inside"])
        self.assertEqual(check.split(), [hashlib.sha256(blob).hexdigest(), "/ctx/model.bin",
                                         "750", "sub/deep/y.txt"])

    def test_links_and_paths_that_leave_the_context_are_refused(self):
        ctx = self.context({"Dockerfile": "FROM %s\n" % BASE})
        cases = [("../../etc/passwd", "sub/evil"), ("/etc/passwd", "abs"), ("self/..", "up")]
        os.symlink(".", os.path.join(ctx, "self"))
        os.makedirs(os.path.join(ctx, "sub"))
        for target, name in cases:
            os.symlink(target, os.path.join(ctx, name))
            r, _ = step("docker.build", {"context": "ctx"}, self.ws)
            self.assertEqual(r.returncode, 3)
            self.assertEqual(r.stdout, 'docker.build: "%s" is a symbolic link to "%s", outside '
                             "the context folder %s; a build context may not reach outside its "
                             "folder\n" % (name, target, os.path.realpath(ctx)))
            os.unlink(os.path.join(ctx, name))
        # Left out by .dockerignore, a link is not sent and not refused.
        os.symlink("/etc/passwd", os.path.join(ctx, "ignored"))
        write(os.path.join(ctx, ".dockerignore"), "ignored\n")
        r, _ = step("docker.build", {"context": "ctx", "tags": ["ok:1"]}, self.ws)
        self.assertEqual(r.returncode, 0, r.stdout)
        r, _ = step("docker.build", {"context": "ctx", "dockerfile": "../Dockerfile"}, self.ws)
        self.assertEqual((r.returncode, r.stdout), (3,
            'docker.build: the Dockerfile "../Dockerfile" is outside the context folder %s; give '
            'its path inside the context, without ".."\n' % ctx))

    def test_missing_context_and_dockerfile(self):
        r, _ = step("docker.build", {"context": "nowhere"}, self.ws)
        self.assertEqual((r.returncode, r.stdout), (3, "docker.build: the context folder %s "
                         "does not exist\n" % os.path.join(self.ws, "nowhere")))
        ctx = self.context({"app.py": ""})
        r, _ = step("docker.build", {"context": "ctx"}, self.ws)
        self.assertEqual((r.returncode, r.stdout), (3, 'docker.build: there is no Dockerfile '
                         '"Dockerfile" in the context folder %s\n' % ctx))

    def test_an_engine_that_is_not_running(self):
        self.context({"Dockerfile": "FROM %s\n" % BASE})
        sock = os.path.join(self.ws, "none.sock")
        r, _ = step("docker.build", {"context": "ctx", "tags": ["x:1"]}, self.ws,
                    {"DOCKER_HOST": "unix://" + sock})
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stdout, "docker.build: cannot reach the Docker engine at unix://%s: "
                         "No such file or directory; is dockerd running? (DOCKER_HOST chooses "
                         "another engine)\n" % sock)
        r, _ = step("docker.push", {"image": "x:1"}, self.ws, {"DOCKER_HOST": "unix://" + sock})
        self.assertEqual(r.returncode, 1)
        self.assertIn("cannot reach the Docker engine at unix://" + sock, r.stdout)
        if not os.path.exists(services.DEFAULT_SOCKET):
            env = dict(os.environ)
            env.pop("DOCKER_HOST", None)
            r = subprocess.run([TAME, "__step", "docker.build"], cwd=self.ws, capture_output=True,
                               text=True, env=dict(env, TAME_PARAMS=json.dumps(
                                   {"context": "ctx", "tags": ["x:1"]}), TAME_WORKSPACE=self.ws))
            self.assertEqual(r.stdout, "docker.build: cannot reach the Docker engine at "
                             "unix:///var/run/docker.sock: No such file or directory; is dockerd "
                             "running? (DOCKER_HOST chooses another engine)\n")

    def test_a_failed_build_names_the_instruction_and_its_output(self):
        self.context({"Dockerfile": "FROM %s\nRUN echo preparing\n"
                      "RUN echo boom >&2 && echo more output && exit 3\nRUN echo never\n" % BASE})
        r, outputs = step("docker.build", {"context": "ctx"}, self.ws)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(outputs, {})
        tail = r.stdout[r.stdout.index("docker.build: the build failed"):].splitlines()
        self.assertEqual(tail[:2], [
            "docker.build: the build failed at Step 3/4 : RUN echo boom >&2 && echo more output "
            "&& exit 3",
            "docker.build: its output:"])
        self.assertEqual(sorted(tail[2:4]), ["  boom", "  more output"])  # stderr, stdout
        self.assertEqual(tail[4:], [
            "docker.build: The command '/bin/sh -c echo boom >&2 && echo more output && exit 3' "
            "returned a non-zero code: 3"])
        self.assertNotIn("\x1b[", r.stdout)

    def test_build_args_target_and_dockerfile_path(self):
        self.context({"docker/Build.dockerfile": "FROM %s AS one\nARG GREETING\n"
                      "RUN echo \"$GREETING\" > /greeting\nFROM one AS two\nRUN exit 9\n" % BASE})
        r, out = step("docker.build", {"context": "ctx", "dockerfile": "docker/Build.dockerfile",
                                       "tags": ["args:1", "args:also"], "target": "one",
                                       "build_args": {"GREETING": "hello from tame"}}, self.ws)
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertEqual(out["image"], "args:1")
        code, text = services.run_container(ENGINE, "args:also", ["cat", "/greeting"])
        self.assertEqual(text, "hello from tame\n")

    def test_docker_host_over_tcp(self):
        if not ENGINE.host.startswith("unix://"):
            self.skipTest("the engine is not on a unix socket")
        proxy = TcpToUnix(ENGINE.host[len("unix://"):])
        try:
            self.context({"Dockerfile": "FROM %s\nRUN echo over tcp\n" % BASE})
            r, out = step("docker.build", {"context": "ctx", "tags": ["tcp:1"]}, self.ws,
                          {"DOCKER_HOST": "tcp://127.0.0.1:%d" % proxy.port})
            self.assertEqual(r.returncode, 0, r.stdout)
            self.assertIn("to the Docker engine at tcp://127.0.0.1:%d" % proxy.port, r.stdout)
            self.assertTrue(out["image_id"].startswith("sha256:"))
        finally:
            proxy.close()

    def test_push_of_an_image_that_is_not_there(self):
        r, _ = step("docker.push", {"image": "not-built:1", "registry": REGISTRY.address},
                    self.ws)
        self.assertEqual((r.returncode, r.stdout), (3, 'docker.push: there is no image '
                         '"not-built:1" in the Docker engine at %s\n' % ENGINE.host))
        r, _ = step("docker.push", {"image": "x@sha256:abc"}, self.ws)
        self.assertEqual(r.returncode, 3)


class PushCredentialsTest(unittest.TestCase):
    """A registry that asks for a password: by secret, by docker config, by
    credential helper; refused credentials are a clear, final failure."""

    def setUp(self):
        if AUTH_REGISTRY is None:
            self.skipTest(AUTH_SKIP)
        self.ws = tempfile.mkdtemp(prefix="tame-push-test-", dir=WORKDIR)
        os.makedirs(os.path.join(self.ws, "home"))
        write(os.path.join(self.ws, "ctx", "Dockerfile"), "FROM %s\nRUN echo %s > /id\n"
              % (BASE, os.path.basename(self.ws)))
        r, out = step("docker.build", {"context": "ctx", "tags": ["secured:1"]}, self.ws)
        self.assertEqual(r.returncode, 0, r.stdout)

    def tearDown(self):
        shutil.rmtree(self.ws)

    def assert_password_nowhere(self, r):
        for form in (PASSWORD, base64.b64encode(PASSWORD.encode()).decode(),
                     base64.b64encode(("%s:%s" % (USER, PASSWORD)).encode()).decode()):
            self.assertNotIn(form, r.stdout + r.stderr)

    def push(self, **params):
        params.setdefault("image", "secured:1")
        params.setdefault("registry", AUTH_REGISTRY.address)
        return step("docker.push", params, self.ws)

    def test_without_credentials(self):
        r, _ = self.push()
        self.assertEqual(r.returncode, 3)
        self.assertEqual(r.stdout.splitlines()[-1], "docker.push: the registry %s asks for "
                         "credentials: no basic auth credentials; give username and password (a "
                         "secret), or log in with docker login" % AUTH_REGISTRY.address)

    def test_refused_credentials(self):
        r, _ = self.push(username=USER, password="not-" + PASSWORD)
        self.assertEqual(r.returncode, 3)
        self.assertEqual(r.stdout.splitlines()[-1], "docker.push: the registry %s refused the "
                         "credentials of the step's username and password (user \"ci\"): "
                         "unauthorized: authentication required" % AUTH_REGISTRY.address)
        r, _ = self.push(password=PASSWORD)
        self.assertEqual((r.returncode, r.stdout), (3, "docker.push: give both username and "
                         "password, or neither to use the docker config\n"))

    def test_credentials_from_the_step(self):
        r, out = self.push(username=USER, password=PASSWORD)
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertEqual(AUTH_REGISTRY.manifest_digest("secured", "1"), out["digest"])
        self.assert_password_nowhere(r)

    def test_credentials_from_the_docker_config(self):
        auth = base64.b64encode(("%s:%s" % (USER, PASSWORD)).encode()).decode()
        write(os.path.join(self.ws, "home", ".docker", "config.json"),
              json.dumps({"auths": {"http://" + AUTH_REGISTRY.address: {"auth": auth}}}))
        r, out = self.push()
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertIn("with the credentials of the docker config", r.stdout)
        self.assertEqual(AUTH_REGISTRY.manifest_digest("secured", "1"), out["digest"])
        self.assert_password_nowhere(r)

    def test_credentials_from_a_credential_helper(self):
        helpers = os.path.join(self.ws, "bin")
        write(os.path.join(helpers, "docker-credential-tametest"),
              "#!/bin/sh\nread server\n[ \"$1\" = get ] && [ \"$server\" = %s ] || exit 1\n"
              "printf '{\"ServerURL\": \"%%s\", \"Username\": \"%s\", \"Secret\": \"%s\"}' "
              "\"$server\"\n" % (AUTH_REGISTRY.address, USER, PASSWORD), 0o755)
        config = os.path.join(self.ws, "dockercfg")
        write(os.path.join(config, "config.json"),
              json.dumps({"credHelpers": {AUTH_REGISTRY.address: "tametest"}}))
        r, out = step("docker.push", {"image": "secured:1", "registry": AUTH_REGISTRY.address},
                      self.ws, {"DOCKER_CONFIG": config,
                                "PATH": helpers + ":" + os.environ["PATH"]})
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertIn("with the credentials of docker-credential-tametest", r.stdout)
        self.assert_password_nowhere(r)


def tame_run(pipeline, workdir, params=(), env=None):
    """`tame run` of a pipeline file or dict in `workdir`; returns (process,
    report, run folder)."""
    if isinstance(pipeline, dict):
        path = os.path.join(workdir, "pipeline.json")
        write(path, json.dumps(pipeline))
        pipeline = path
    argv = [TAME, "run", pipeline, "--log-format", "text"]
    for param in params:
        argv += ["--param", param]
    full_env = dict(os.environ, HOME=os.path.join(workdir, "home"), NO_COLOR="1")
    full_env.update(ENGINE.env)
    full_env.update(env or {})
    r = subprocess.run(argv, cwd=workdir, env=full_env, capture_output=True, text=True,
                       timeout=600)
    runs = os.path.join(workdir, ".tame", "runs")
    run_dir = os.path.join(runs, sorted(os.listdir(runs))[-1]) if os.path.isdir(runs) else None
    report = json.loads(read(os.path.join(run_dir, "report.json"))) if run_dir else {}
    return r, report, run_dir


class PipelineTest(unittest.TestCase):
    """The same steps run by `tame run`: the run session starts them, masks
    their output and passes outputs from step to step."""

    def setUp(self):
        self.ws = tempfile.mkdtemp(prefix="tame-pipeline-test-", dir=WORKDIR)
        os.makedirs(os.path.join(self.ws, "home"))

    def tearDown(self):
        shutil.rmtree(self.ws)

    def outputs(self, report):
        return {s["id"]: s.get("outputs", {}) for s in report["steps"]}

    def test_the_demo_pipeline(self):
        bare, sha, _ = services.make_bare_repo(
            WORKDIR, os.path.basename(self.ws), os.path.join(SOURCE, "examples", "iris-service"))
        r, report, run_dir = tame_run(os.path.join(SOURCE, "examples", "demo.json"), self.ws, [
            "repo=" + bare, "registry=" + REGISTRY.address, "base_image=" + BASE])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual([s["status"] for s in report["steps"]], ["succeeded"] * 5)
        out = self.outputs(report)
        self.assertEqual(out["checkout"]["sha"], sha)
        self.assertEqual(out["build"]["image"], "iris:" + sha[:12])
        digest = out["push"]["digest"]
        self.assertEqual(REGISTRY.manifest_digest("iris", sha[:12]), digest)
        self.assertEqual(out["push"]["ref"], "%s/iris@%s" % (REGISTRY.address, digest))
        self.assertIn("docker.push: ref " + out["push"]["ref"],
                      read(os.path.join(run_dir, "logs", "push.log")))
        self.assertIn("gate passed: 1 of 1 rules hold",
                      read(os.path.join(run_dir, "logs", "gate.log")))

    def test_registry_credentials_never_reach_the_console_or_the_run_folder(self):
        if AUTH_REGISTRY is None:
            self.skipTest(AUTH_SKIP)
        write(os.path.join(self.ws, "ctx", "Dockerfile"), "FROM %s\nRUN echo %s > /id\n"
              % (BASE, os.path.basename(self.ws)))
        pipeline = {"version": 1, "name": "secret-push",
                    "secrets": {"REGISTRY_PASSWORD": {"from": "env"}},
                    "steps": [
                        {"id": "build", "uses": "docker.build",
                         "with": {"context": "ctx", "tags": ["secret-push:1"]}},
                        {"id": "push", "uses": "docker.push",
                         "with": {"image": "${{ steps.build.outputs.image }}",
                                  "registry": AUTH_REGISTRY.address, "username": USER,
                                  "password": "${{ secrets.REGISTRY_PASSWORD }}"}}]}
        forms = [PASSWORD, base64.b64encode(PASSWORD.encode()).decode(),
                 base64.b64encode(("%s:%s" % (USER, PASSWORD)).encode()).decode()]
        for password, status in (("wrong-" + PASSWORD, 1), (PASSWORD, 0)):
            r, report, run_dir = tame_run(pipeline, self.ws,
                                          env={"REGISTRY_PASSWORD": password})
            self.assertEqual(r.returncode, status, r.stdout + r.stderr)
            if status:
                self.assertIn("refused the credentials of the step's username and password",
                              r.stdout + r.stderr)
            else:
                self.assertEqual(AUTH_REGISTRY.manifest_digest("secret-push", "1"),
                                 self.outputs(report)["push"]["digest"])
            for form in forms + ["wrong-" + PASSWORD]:
                self.assertNotIn(form, r.stdout + r.stderr)
                for folder, _, files in os.walk(os.path.join(self.ws, ".tame")):
                    for name in files:
                        with open(os.path.join(folder, name), "rb") as f:
                            self.assertNotIn(form.encode(), f.read(), os.path.join(folder, name))


def start_services():
    global ENGINE, REGISTRY, AUTH_REGISTRY, AUTH_SKIP, WORKDIR
    WORKDIR = tempfile.mkdtemp(prefix="tame-docker-tests-")
    ENGINE = services.Dockerd.start(WORKDIR)
    REGISTRY = services.Registry.start(WORKDIR)
    services.import_base_image(ENGINE)
    try:
        AUTH_REGISTRY = services.Registry.start(WORKDIR, user=USER, password=PASSWORD)
    except services.Unavailable as e:
        AUTH_SKIP = str(e)


def stop_services():
    for service in (AUTH_REGISTRY, REGISTRY, ENGINE):
        if service is not None:
            service.stop()
    if WORKDIR:
        shutil.rmtree(WORKDIR, ignore_errors=True)


if __name__ == "__main__":
    TAME, SOURCE = sys.argv[1], sys.argv[2]
    try:
        start_services()
    except services.Unavailable as e:
        stop_services()
        print("SKIPPED: docker_test needs a Docker engine and a registry: %s" % e,
              file=sys.stderr)
        sys.exit(services.SKIP_CODE)
    try:
        print("docker_test: engine %s%s, registry %s" % (
            ENGINE.host, " (started for these tests)" if ENGINE.owned else "", REGISTRY.address),
            file=sys.stderr)
        result = unittest.main(argv=sys.argv[:1], verbosity=2, exit=False).result
    finally:
        stop_services()
    sys.exit(0 if result.wasSuccessful() else 1)
