"""Real services for integration tests, the demo and the benchmarks: a Docker
engine, a registry (Debian's docker-registry), local base images, git repos.

Every daemon started here listens on 127.0.0.1 or a unix socket in a
temporary folder, gets stdin from /dev/null and its output in a file (a
daemon holding the test run's stdout would keep CI waiting), and is stopped
by its process id. A Docker engine that is already running (DOCKER_HOST, or
/var/run/docker.sock) is used as it is and never stopped.

As a library:
    engine = Dockerd.start(tmp)        # raises Unavailable(reason)
    registry = Registry.start(tmp)     # or Registry.start(tmp, user="u", password="p")
    base = import_base_image(engine)   # "tame-test/busybox:local"
    k8s = K8sSimulator.start(tmp)      # the Kubernetes API simulator, k8s.kubeconfig
    ...
    k8s.stop(); registry.stop(); engine.stop()

Whoever starts daemons for a shell script records them with record(DIR, ...)
in DIR/pids.json, and stop_recorded(DIR) (`services.py stop DIR`) stops
them by process id, so that a run that was killed leaves nothing behind
for the next.

As a program, for shell scripts (scripts/demo.sh, bench/docker_bench.sh):
    services.py start DIR    starts what is missing and writes DIR/env,
                             lines of NAME=value for a shell to source:
                             DOCKER_HOST, REGISTRY, BASE_IMAGE; exits 77
                             with the reason when no engine can run
    services.py stop DIR     stops, by process id, what `start` started
"""
import base64
import http.client
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
import warnings

SKIP_CODE = 77  # ctest's SKIP_RETURN_CODE for the tests that need an engine
DEFAULT_SOCKET = "/var/run/docker.sock"
BASE_IMAGE = "tame-test/busybox:local"
MANIFEST_TYPES = ", ".join([
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.index.v1+json",
])


class Unavailable(Exception):
    """A service cannot run on this machine; the message says why."""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def spawn(argv, log_path, **kwargs):
    """Starts a daemon in its own session, output to `log_path`."""
    log = open(log_path, "ab")
    try:
        return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                start_new_session=True, **kwargs)
    finally:
        log.close()


def stop_pid(pid, grace=20.0):
    """TERM, then KILL after `grace` seconds; only this process id."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.time() + grace
    while time.time() < deadline:
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done == pid:
                return
        except ChildProcessError:  # not our child: poll for it to be gone
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
        time.sleep(0.05)
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass


def remove_tree(root):
    """Removes a daemon's folder, unmounting what it left mounted there first
    (dockerd leaves exec/netns/default, the host's network namespace, bound
    once a container with host networking ran)."""
    if not root:
        return
    prefix = os.path.realpath(root) + "/"
    try:
        with open("/proc/mounts") as f:
            points = [line.split()[1] for line in f]
    except OSError:
        points = []
    for point in sorted((p for p in points if p.startswith(prefix)), key=len, reverse=True):
        subprocess.run(["umount", point], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    shutil.rmtree(root, ignore_errors=True)


def log_tail(path, lines=15):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:]).strip()
    except OSError:
        return ""


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=60):
        super().__init__("localhost", timeout=timeout)
        self.socket_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.socket_path)


class Dockerd:
    """A Docker engine: one already running, or a dockerd of our own."""

    def __init__(self, host, proc=None, root=None, log=None):
        self.host = host        # "unix:///path" or "tcp://127.0.0.1:port"
        self.proc = proc        # our dockerd, or None for an engine we found
        self.root = root
        self.log = log

    @property
    def owned(self):
        return self.proc is not None

    @property
    def env(self):
        return {"DOCKER_HOST": self.host}

    def connection(self, timeout=120):
        if self.host.startswith("unix://"):
            return UnixHTTPConnection(self.host[len("unix://"):], timeout=timeout)
        hostport = self.host[len("tcp://"):].split("/")[0]
        return http.client.HTTPConnection(hostport, timeout=timeout)

    def api(self, method, path, body=None, headers=None, timeout=120):
        """One Engine API call (v1.41); returns (status, body bytes)."""
        conn = self.connection(timeout)
        try:
            conn.request(method, "/v1.41" + path, body=body, headers=headers or {})
            r = conn.getresponse()
            return r.status, r.read()
        finally:
            conn.close()

    def answers(self):
        try:
            return self.api("GET", "/_ping", timeout=2)[0] == 200
        except OSError:
            return False

    @classmethod
    def start(cls, workdir, allow_existing=True):
        """The engine to use; starts dockerd when none answers."""
        if allow_existing:
            existing = os.environ.get("DOCKER_HOST") or "unix://" + DEFAULT_SOCKET
            found = cls(existing)
            if found.answers():
                return found
            if os.environ.get("DOCKER_HOST"):
                raise Unavailable("DOCKER_HOST=%s does not answer" % existing)
        if shutil.which("dockerd") is None:
            raise Unavailable("dockerd is not installed (Debian package docker.io)")
        if os.geteuid() != 0:
            raise Unavailable("no Docker engine answers at %s, and starting dockerd needs root"
                              % DEFAULT_SOCKET)
        reasons = []
        for driver in (None, "vfs"):  # vfs when overlay mounts are refused
            # In /tmp whatever `workdir` is: unix socket paths are short.
            root = tempfile.mkdtemp(prefix="tame-dockerd-")
            engine = cls._start_own(root, driver)
            if engine.answers():
                return engine
            reasons.append("dockerd%s: %s" % (" --storage-driver=vfs" if driver else "",
                                              log_tail(engine.log, 3) or "no answer"))
            engine.stop()
        raise Unavailable("dockerd does not start here: " + " | ".join(reasons))

    @classmethod
    def _start_own(cls, root, driver, wait=40.0):
        sock = os.path.join(root, "docker.sock")
        argv = ["dockerd", "--iptables=false", "--bridge=none",
                "--data-root", os.path.join(root, "data"),
                "--exec-root", os.path.join(root, "exec"),
                "--pidfile", os.path.join(root, "dockerd.pid"),
                "-H", "unix://" + sock]
        if driver:
            argv += ["--storage-driver", driver]
        log = os.path.join(root, "dockerd.log")
        engine = cls("unix://" + sock, spawn(argv, log), root, log)
        deadline = time.time() + wait
        while time.time() < deadline and engine.proc.poll() is None:
            if os.path.exists(sock) and engine.answers():
                break
            time.sleep(0.1)
        return engine

    def stop(self):
        if self.proc is None:
            return
        stop_pid(self.proc.pid)
        self.proc = None
        remove_tree(self.root)


def bcrypt_htpasswd(user, password):
    """An htpasswd line; the registry takes bcrypt only."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            import crypt
            # The lowest bcrypt cost: the registry checks the password on
            # every request, and a test password guards nothing.
            hashed = crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16))
        except (ImportError, AttributeError):
            hashed = None
    if not hashed or not hashed.startswith("$2"):
        raise Unavailable("cannot make a bcrypt password hash (Python's crypt module)")
    return "%s:%s\n" % (user, hashed)


class Registry:
    """docker-registry on 127.0.0.1, storing in a temporary folder."""

    def __init__(self, proc, port, root, auth=None):
        self.proc = proc
        self.port = port
        self.root = root
        self.auth = auth  # (user, password) when it asks for them
        self.address = "127.0.0.1:%d" % port

    @classmethod
    def start(cls, workdir, user=None, password=None, wait=20.0):
        binary = shutil.which("docker-registry")
        if binary is None:
            raise Unavailable("docker-registry is not installed (Debian package docker-registry)")
        root = tempfile.mkdtemp(prefix="tame-registry-", dir=workdir)
        port = free_port()
        config = ["version: 0.1", "log:", "  level: warn",
                  "storage:", "  filesystem:", "    rootdirectory: " + os.path.join(root, "data"),
                  "  delete:", "    enabled: true",
                  "http:", "  addr: 127.0.0.1:%d" % port]
        if user:
            with open(os.path.join(root, "htpasswd"), "w") as f:
                f.write(bcrypt_htpasswd(user, password))
            config += ["auth:", "  htpasswd:", "    realm: tame-test",
                       "    path: " + os.path.join(root, "htpasswd")]
        with open(os.path.join(root, "config.yml"), "w") as f:
            f.write("\n".join(config) + "\n")
        proc = spawn([binary, "serve", os.path.join(root, "config.yml")],
                     os.path.join(root, "registry.log"))
        registry = cls(proc, port, root, (user, password) if user else None)
        deadline = time.time() + wait
        while time.time() < deadline:
            if proc.poll() is not None:
                break
            try:
                status, _, _ = registry.get("/v2/", timeout=5)
                if status in (200, 401):
                    return registry
            except OSError:
                pass
            time.sleep(0.1)
        tail = log_tail(os.path.join(root, "registry.log"), 5)
        registry.stop()
        raise Unavailable("docker-registry does not start: " + (tail or "no answer"))

    def get(self, path, method="GET", headers=None, timeout=10):
        """(status, headers, body) of a request to the registry's HTTP API."""
        headers = dict(headers or {})
        if self.auth:
            token = base64.b64encode(("%s:%s" % self.auth).encode()).decode()
            headers["Authorization"] = "Basic " + token
        request = urllib.request.Request("http://%s%s" % (self.address, path),
                                         method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def tags(self, name):
        status, _, body = self.get("/v2/%s/tags/list" % name)
        return json.loads(body).get("tags") or [] if status == 200 else []

    def manifest_digest(self, name, reference):
        """The Docker-Content-Digest of a manifest, asked for by HEAD."""
        status, headers, _ = self.get("/v2/%s/manifests/%s" % (name, reference), method="HEAD",
                                      headers={"Accept": MANIFEST_TYPES})
        return headers.get("Docker-Content-Digest") if status == 200 else None

    def stop(self):
        if self.proc is not None:
            stop_pid(self.proc.pid)
            self.proc = None
        shutil.rmtree(self.root, ignore_errors=True)


class K8sSimulator:
    """The Kubernetes API simulator of tests/k8s_simulator/ (not a Kubernetes
    API server: it runs no pods), started through its own command line on
    127.0.0.1 with a CA of its own, one bearer token, and a kubeconfig."""

    SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "k8s_simulator",
                          "simulator.py")

    def __init__(self, proc, folder, port, token):
        self.proc = proc
        self.folder = folder
        self.port = port
        self.token = token
        self.url = "https://127.0.0.1:%d" % port
        self.kubeconfig = os.path.join(folder, "kubeconfig")
        self.ca = os.path.join(folder, "pki", "ca.crt")

    @classmethod
    def start(cls, folder, token="tame-demo-token", user="ci", tick=0.05, wait=30.0):
        """Starts it with its files in `folder` (made when missing)."""
        if shutil.which("openssl") is None:
            raise Unavailable("openssl is not installed; the simulator's certificates need it")
        os.makedirs(folder, exist_ok=True)
        port_file = os.path.join(folder, "port")
        if os.path.exists(port_file):
            os.unlink(port_file)
        proc = spawn([sys.executable, os.path.abspath(cls.SCRIPT),
                      "--pki", os.path.join(folder, "pki"), "--port-file", port_file,
                      "--kubeconfig", os.path.join(folder, "kubeconfig"),
                      "--tick", str(tick), "--token", "%s=%s" % (token, user)],
                     os.path.join(folder, "simulator.log"))
        deadline = time.time() + wait
        while time.time() < deadline and proc.poll() is None:
            if os.path.exists(port_file):
                with open(port_file) as f:
                    return cls(proc, folder, int(f.read()), token)
            time.sleep(0.05)
        stop_pid(proc.pid, grace=2)
        raise Unavailable("the Kubernetes API simulator did not start: " +
                          (log_tail(os.path.join(folder, "simulator.log"), 5) or "no answer"))

    def _context(self):
        import ssl
        return ssl.create_default_context(cafile=self.ca)

    def control(self, path, body):
        """POSTs to the simulator's control endpoint (not part of the API)."""
        request = urllib.request.Request(self.url + path, data=json.dumps(body).encode(),
                                         method="POST")
        with urllib.request.urlopen(request, context=self._context(), timeout=10) as answer:
            return json.load(answer)

    def get(self, path):
        """GET of an API path as the kubeconfig's user; None when not found."""
        request = urllib.request.Request(self.url + path,
                                         headers={"Authorization": "Bearer " + self.token})
        try:
            with urllib.request.urlopen(request, context=self._context(), timeout=10) as answer:
                return json.load(answer)
        except urllib.error.HTTPError as e:
            if e.code == 404:
                return None
            raise

    def stop(self):
        if self.proc is not None:
            stop_pid(self.proc.pid)
            self.proc = None


def record(folder, kind, pid=None, root=None, container=None, docker_host=None):
    """Adds to DIR/pids.json, for stop_recorded: a daemon by its process id
    (and a folder to remove with it), or a container by its id."""
    path = os.path.join(folder, "pids.json")
    entries = []
    if os.path.exists(path):
        with open(path) as f:
            entries = json.load(f)
    entry = {"kind": kind, "pid": pid, "root": root}
    if container:
        entry.update(container=container, docker_host=docker_host)
    entries.append(entry)
    with open(path + ".tmp", "w") as f:
        json.dump(entries, f)
    os.replace(path + ".tmp", path)


def stop_recorded(folder, quiet=False):
    """Stops, by process id, what DIR/pids.json lists, the last first, and
    removes their folders; a container entry is removed from its engine."""
    path = os.path.join(folder, "pids.json")
    if not os.path.exists(path):
        return
    with open(path) as f:
        entries = json.load(f)
    for entry in reversed(entries):  # the last started stops first
        if entry.get("container"):
            try:
                Dockerd(entry["docker_host"]).api(
                    "DELETE", "/containers/%s?force=1" % entry["container"], timeout=20)
            except OSError:
                pass  # its engine is gone, and the container with it
            if not quiet:
                note("services: removed %s (container %s)" % (entry["kind"],
                                                              entry["container"][:12]))
            continue
        stop_pid(entry["pid"])
        remove_tree(entry.get("root"))
        if not quiet:
            note("services: stopped %s (pid %d)" % (entry["kind"], entry["pid"]))
    os.unlink(path)


def note(text):
    """Prints, unless no one reads any more (a pipe to a reader that was
    interrupted): stopping goes on either way."""
    try:
        print(text, flush=True)
    except BrokenPipeError:
        pass


def busybox_rootfs_tar():
    """A root file system of /bin/busybox (busybox-static) and its applets."""
    busybox = "/bin/busybox"
    if not os.path.exists(busybox):
        raise Unavailable("busybox is not installed (Debian package busybox-static)")
    applets = subprocess.run([busybox, "--list"], capture_output=True, text=True,
                             check=True).stdout.split()
    out = tempfile.SpooledTemporaryFile(max_size=8 << 20)
    with tarfile.open(fileobj=out, mode="w") as tar:
        for folder in ("bin", "tmp", "etc", "srv"):
            info = tarfile.TarInfo(folder)
            info.type = tarfile.DIRTYPE
            info.mode = 0o1777 if folder == "tmp" else 0o755
            tar.addfile(info)
        tar.add(busybox, arcname="bin/busybox")
        for applet in applets:
            if applet == "busybox":
                continue
            info = tarfile.TarInfo("bin/" + applet)
            info.type = tarfile.SYMTYPE
            info.linkname = "busybox"
            tar.addfile(info)
        for name, text in (("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"),
                           ("etc/group", "root:x:0:\n")):
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    out.seek(0)
    return out.read()


def import_base_image(engine, name=BASE_IMAGE):
    """`docker import` of the busybox root file system; returns its name."""
    repo, _, tag = name.rpartition(":")
    status, body = engine.api("GET", "/images/%s/json" % name)
    if status == 200:
        return name
    status, body = engine.api("POST", "/images/create?fromSrc=-&repo=%s&tag=%s" % (repo, tag),
                              body=busybox_rootfs_tar(),
                              headers={"Content-Type": "application/x-tar"})
    if status != 200 or b"errorDetail" in body:
        raise Unavailable("cannot import the base image: %s" % body[-300:])
    return name


def run_container(engine, image, cmd, timeout=60):
    """Runs `cmd` in a container without network; returns (exit code, output)."""
    status, body = engine.api("POST", "/containers/create", body=json.dumps({
        "Image": image, "Cmd": cmd, "HostConfig": {"NetworkMode": "none"}}),
        headers={"Content-Type": "application/json"})
    if status != 201:
        raise AssertionError("container create: %d %s" % (status, body))
    cid = json.loads(body)["Id"]
    try:
        engine.api("POST", "/containers/%s/start" % cid)
        status, body = engine.api("POST", "/containers/%s/wait" % cid, timeout=timeout)
        code = json.loads(body)["StatusCode"]
        _, raw = engine.api("GET", "/containers/%s/logs?stdout=1&stderr=1" % cid)
        out = b""
        while len(raw) >= 8:  # the multiplexed stream: 8-byte frame headers
            size = int.from_bytes(raw[4:8], "big")
            out += raw[8:8 + size]
            raw = raw[8 + size:]
        return code, out.decode(errors="replace")
    finally:
        engine.api("DELETE", "/containers/%s?force=1" % cid)


def git(*args, cwd=None, env=None):
    full_env = dict(os.environ, GIT_AUTHOR_NAME="Tess", GIT_AUTHOR_EMAIL="tess@example.org",
                    GIT_COMMITTER_NAME="Tess", GIT_COMMITTER_EMAIL="tess@example.org")
    full_env.update(env or {})
    return subprocess.run(["git"] + list(args), cwd=cwd, env=full_env, check=True,
                          capture_output=True, text=True).stdout.strip()


def make_bare_repo(workdir, name, files, branch="main"):
    """A bare repo `name`.git under `workdir` with one commit of `files`
    ({path: text}, or a folder to copy); returns (bare path, commit sha,
    the work tree it was cloned from)."""
    work = os.path.join(workdir, name + "-work")
    if isinstance(files, str):
        shutil.copytree(files, work, symlinks=True)
    else:
        os.makedirs(work)
        for path, text in files.items():
            os.makedirs(os.path.dirname(os.path.join(work, path)) or work, exist_ok=True)
            with open(os.path.join(work, path), "w") as f:
                f.write(text)
    git("init", "-q", "-b", branch, cwd=work)
    git("add", "-A", cwd=work)
    git("commit", "-q", "-m", "first", cwd=work)
    bare = os.path.join(workdir, name + ".git")
    git("clone", "-q", "--bare", work, bare)
    return bare, git("rev-parse", "HEAD", cwd=work), work


def _main(argv):
    if len(argv) != 3 or argv[1] not in ("start", "stop"):
        print("usage: services.py start|stop DIR", file=sys.stderr)
        return 2
    folder = os.path.abspath(argv[2])
    pids_file = os.path.join(folder, "pids.json")
    if argv[1] == "stop":
        stop_recorded(folder)
        return 0
    os.makedirs(folder, exist_ok=True)
    started = []
    try:
        engine = Dockerd.start(folder)
        if engine.owned:
            started.append({"kind": "dockerd", "pid": engine.proc.pid, "root": engine.root})
        registry = Registry.start(folder)
        started.append({"kind": "docker-registry", "pid": registry.proc.pid,
                        "root": registry.root})
        base = import_base_image(engine)
    except Unavailable as e:
        for entry in started:
            stop_pid(entry["pid"])
            remove_tree(entry["root"])
        print("services: %s" % e, file=sys.stderr)
        return SKIP_CODE
    with open(pids_file, "w") as f:
        json.dump(started, f)
    with open(os.path.join(folder, "env"), "w") as f:
        f.write("DOCKER_HOST=%s\nREGISTRY=%s\nBASE_IMAGE=%s\nDOCKERD_OWNED=%d\n"
                % (engine.host, registry.address, base, 1 if engine.owned else 0))
    print("services: Docker engine at %s%s; registry at %s; base image %s"
          % (engine.host, " (started here)" if engine.owned else "", registry.address, base))
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv))
