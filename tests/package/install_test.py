"""The Debian package on a fresh Debian 12 root.

Run by `make package-test` (part of `make test`): install_test.py DEB SOURCE_DIR.

Builds a minimal Debian 12 root with debootstrap from the mirror this machine's
apt uses (cached as a tarball under build/install-test/ so reruns are fast),
installs DEB into it with `apt-get install ./tame_*.deb`, and in it runs
`tame --version`, `tame init`, `tame validate`, `tame run` of a shell pipeline
and of an http.check against a server this test starts on 127.0.0.1 (libcurl
is opened at run time, so this proves the package pulls it in), `tame
designer` serving the installed site (checked by tame's own http.check), then
`apt-get remove tame`, after which only the user's files and .tame/ folders
may name tame.

Each command runs in a mount namespace of its own with a PRIVATE /dev (a
tmpfs with the few device nodes a root needs and a new devpts instance):
the host's /dev is never bind-mounted, so nothing a package script does in
the root can touch the host's device nodes. The namespaces take their mounts
with them when each command ends.

Prints SKIPPED and the reason, and exits 0, when it cannot run here (not
root, no debootstrap, no mirror).
"""
import glob
import http.server
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tarfile
import tempfile
import threading
import unittest

DEB = SOURCE = None
CACHE = None    # build/install-test
ROOT = None     # the Debian root of this run
SKIPPED = None  # why the test cannot run here

# Run inside the new mount namespace, before chroot: /proc and a private /dev.
PREPARE = r"""
set -e
root=$1; shift
mount -t proc proc "$root/proc"
mount -t tmpfs -o mode=755,nosuid dev "$root/dev"
mknod -m 666 "$root/dev/null" c 1 3
mknod -m 666 "$root/dev/zero" c 1 5
mknod -m 666 "$root/dev/full" c 1 7
mknod -m 666 "$root/dev/random" c 1 8
mknod -m 666 "$root/dev/urandom" c 1 9
mknod -m 666 "$root/dev/tty" c 5 0
mkdir "$root/dev/pts" "$root/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts "$root/dev/pts"
ln -s pts/ptmx "$root/dev/ptmx"
ln -s /proc/self/fd "$root/dev/fd"
exec chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
  LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive /bin/sh -c "$@"
"""


def in_root(command, timeout=900):
    """Runs `command` (sh) in ROOT; returns the CompletedProcess (text)."""
    return subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c", PREPARE, "prepare",
         ROOT, command], capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=timeout)


def mirror():
    """The first Debian mirror of /etc/apt/sources.list.d/debian.sources serving bookworm."""
    with open("/etc/apt/sources.list.d/debian.sources") as f:
        stanzas = f.read().split("\n\n")
    for stanza in stanzas:
        fields = dict(re.findall(r"^(\w[\w-]*):\s*(.*)$", stanza, re.M))
        if "bookworm" in fields.get("Suites", "").split() and fields.get("URIs"):
            return fields["URIs"].split()[0]
    return None


def make_root():
    """Unpacks the cached Debian 12 root into ROOT, making the cache first if needed."""
    tarball = os.path.join(CACHE, "debian12-minbase.tar")
    if not os.path.exists(tarball):
        url = mirror()
        if url is None:
            return "no bookworm mirror in /etc/apt/sources.list.d/debian.sources"
        fresh = tempfile.mkdtemp(prefix="debootstrap-", dir=CACHE)
        print("install_test: debootstrap --variant=minbase bookworm from %s (once; cached in %s)"
              % (url, tarball), flush=True)
        r = subprocess.run(["debootstrap", "--variant=minbase", "bookworm", fresh, url],
                           capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=1800)
        if r.returncode != 0:
            subprocess.run(["rm", "-rf", "--one-file-system", fresh])
            return "debootstrap failed: " + (r.stdout + r.stderr).strip().splitlines()[-1]
        # The root uses the same archives and apt settings as this machine.
        shutil.copy("/etc/apt/sources.list.d/debian.sources",
                    os.path.join(fresh, "etc/apt/sources.list.d/debian.sources"))
        os.remove(os.path.join(fresh, "etc/apt/sources.list"))
        for conf in glob.glob("/etc/apt/apt.conf.d/99*"):
            shutil.copy(conf, os.path.join(fresh, "etc/apt/apt.conf.d"))
        subprocess.run(["tar", "-C", fresh, "--one-file-system", "-cf", tarball + ".tmp", "."],
                       check=True)
        os.rename(tarball + ".tmp", tarball)
        subprocess.run(["rm", "-rf", "--one-file-system", fresh])
    subprocess.run(["tar", "-C", ROOT, "-xf", tarball], check=True)
    shutil.copy("/etc/resolv.conf", os.path.join(ROOT, "etc/resolv.conf"))
    # Packages fetched by an earlier run, so that apt need not fetch them again.
    for deb in glob.glob(os.path.join(CACHE, "archives", "*.deb")):
        shutil.copy(deb, os.path.join(ROOT, "var/cache/apt/archives"))
    return None


def tame_paths():
    """Every path in ROOT whose name holds "tame", relative to ROOT."""
    found = []
    for base, dirs, files in os.walk(ROOT):
        rel = os.path.relpath(base, ROOT)
        if rel in ("proc", "dev", "sys"):
            dirs[:] = []
            continue
        for name in dirs + files:
            if "tame" in name:
                found.append(os.path.normpath(os.path.join("/", rel, name)))
    return sorted(found)


class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"model ok\n" if self.path == "/health" else b"no\n"
        self.send_response(200 if self.path == "/health" else 404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class InstallTest(unittest.TestCase):
    """One story, in order: install, use, remove."""

    def test_install_use_remove(self):
        deb_name = os.path.basename(DEB)
        shutil.copy(DEB, os.path.join(ROOT, "tmp", deb_name))

        r = in_root("apt-get update -q && cd /tmp && apt-get install -y -q ./%s" % deb_name)
        self.assertEqual(r.returncode, 0, r.stdout[-3000:] + r.stderr[-3000:])
        os.remove(os.path.join(ROOT, "tmp", deb_name))
        archives = os.path.join(CACHE, "archives")
        os.makedirs(archives, exist_ok=True)
        for deb in glob.glob(os.path.join(ROOT, "var/cache/apt/archives/*.deb")):
            shutil.copy(deb, archives)

        r = in_root("dpkg-query -W -f '${Depends}|${Recommends}' tame")
        depends, recommends = r.stdout.split("|")
        for package in ("libcurl4", "git", "libc6", "libstdc++6", "libyaml-cpp0.7"):
            self.assertRegex(depends, r"(^|, )%s( |,|$)" % re.escape(package), depends)
        self.assertEqual(recommends, "docker.io, openssh-client")
        for path in ["usr/bin/tame", "usr/share/man/man1/tame.1.gz",
                     "usr/share/bash-completion/completions/tame", "usr/share/doc/tame/copyright",
                     "usr/share/doc/tame/LICENSE", "usr/share/doc/tame/licenses/libyaml.txt",
                     "usr/share/doc/tame/examples/iris-service/Dockerfile",
                     "usr/share/doc/tame/examples/iris-service/train.sh",
                     "usr/share/tame/designer/index.html", "usr/share/tame/designer/designer.wasm",
                     "usr/share/tame/designer/tame-designer.html"]:
            self.assertTrue(os.path.isfile(os.path.join(ROOT, path)), path)

        r = in_root("tame --version")
        self.assertEqual((r.returncode, r.stdout, r.stderr), (0, "tame 0.1.0 (pipeline format 1)\n", ""))

        r = in_root("mkdir -p /home/ds/iris && cd /home/ds/iris && tame init && "
                    "tame validate pipeline.json")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("Wrote pipeline.json from the template ml-to-k8s.", r.stdout)
        self.assertTrue(r.stdout.endswith("pipeline.json: valid, 9 steps in 9 levels\n"), r.stdout)

        r = in_root("cd /home/ds && tame init --template local-ml local && cd local && "
                    "tame run pipeline.json --log-format json")
        self.assertEqual(r.returncode, 0, r.stdout[-3000:] + r.stderr[-3000:])
        runs = glob.glob(os.path.join(ROOT, "home/ds/local/.tame/runs/*/report.json"))
        self.assertEqual(len(runs), 1)
        with open(runs[0]) as f:
            report = json.load(f)
        self.assertEqual(report["status"], "succeeded")

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Health)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            pipeline = {"version": 1, "name": "smoke", "steps": [
                {"id": "health", "uses": "http.check",
                 "with": {"url": "http://127.0.0.1:%d/health" % server.server_address[1],
                          "expect_status": 200, "contains": "model ok"}}]}
            os.makedirs(os.path.join(ROOT, "home/ds/smoke"))
            with open(os.path.join(ROOT, "home/ds/smoke/smoke.json"), "w") as f:
                json.dump(pipeline, f)
            r = in_root("cd /home/ds/smoke && tame run smoke.json")
        finally:
            server.shutdown()
            server.server_close()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("health", r.stdout)
        with open(glob.glob(os.path.join(ROOT, "home/ds/smoke/.tame/runs/*/report.json"))[0]) as f:
            report = json.load(f)
        self.assertEqual(report["status"], "succeeded")

        # tame designer finds the installed site beside /usr/bin/tame; tame's
        # own http.check fetches the page and the file, and Ctrl-C stops it.
        check = {"version": 1, "name": "designer",
                 "params": {"base": {"type": "string", "default": ""}},
                 "steps": [
                     {"id": "page", "uses": "http.check",
                      "with": {"url": "${{ params.base }}tame-designer.html", "expect_status": 200,
                               "contains": "<canvas id=\"canvas\""}},
                     {"id": "file", "uses": "http.check",
                      "with": {"url": "${{ params.base }}pipeline.json", "expect_status": 200,
                               "contains": "\"name\": \"iris-to-k8s\""}}]}
        with open(os.path.join(ROOT, "home/ds/smoke/designer.json"), "w") as f:
            json.dump(check, f)
        r = in_root(r"""cd /home/ds/smoke
tame designer /home/ds/iris/pipeline.json --no-browser > /tmp/designer.out 2>&1 &
pid=$!
i=0
until grep -qs 'Press Ctrl-C' /tmp/designer.out; do
  i=$((i + 1)); [ $i -lt 600 ] || { cat /tmp/designer.out; kill $pid; exit 9; }; sleep 0.1
done
url=$(sed -n 2p /tmp/designer.out | sed 's/^ *//')
base=${url%%\?*}
echo "address: $url"
tame run designer.json --param base="$base" || status=$?
kill -INT $pid
wait $pid || echo "designer exit: $?"
head -1 /tmp/designer.out
rm /tmp/designer.out
exit ${status:-0}
""")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertRegex(r.stdout, r"address: http://127\.0\.0\.1:\d+/\?open=pipeline\.json\n")
        self.assertIn("designer exit: 130\n", r.stdout)
        self.assertIn("tame designer: serving /usr/share/tame/designer and "
                      "/home/ds/iris/pipeline.json\n", r.stdout)

        r = in_root("apt-get remove -y -q tame")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        left = [p for p in tame_paths() if not p.startswith("/home/ds/")]
        self.assertEqual(left, [], "apt-get remove tame left these behind")
        user = [p for p in tame_paths() if p.startswith("/home/ds/")]
        self.assertEqual(sorted({p.split("/.tame")[0] + "/.tame" for p in user}),
                         ["/home/ds/local/.tame", "/home/ds/smoke/.tame"])
        self.assertTrue(os.path.isfile(os.path.join(ROOT, "home/ds/iris/pipeline.json")))


def main():
    global DEB, SOURCE, CACHE, ROOT
    DEB, SOURCE = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    banner = "install_test: SKIPPED (the Debian package was not tried on a fresh Debian 12 root): "
    if os.geteuid() != 0:
        print(banner + "not root (debootstrap, chroot and mount need root)")
        return 0
    for tool in ("debootstrap", "unshare", "chroot"):
        if shutil.which(tool) is None:
            print(banner + "%s is not installed (scripts/setup.sh installs it)" % tool)
            return 0
    if not os.path.isfile(DEB):
        print("install_test: %s is missing; run make package" % DEB)
        return 1
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    CACHE = os.path.join(SOURCE, "build", "install-test")
    os.makedirs(CACHE, exist_ok=True)
    ROOT = tempfile.mkdtemp(prefix="root-", dir=CACHE)
    try:
        why = make_root()
        if why:
            print(banner + why)
            return 0
        result = unittest.main(argv=sys.argv[:1], exit=False, verbosity=2).result
        return 0 if result.wasSuccessful() else 1
    finally:
        with open("/proc/mounts") as f:
            mounted = [line.split()[1] for line in f if line.split()[1].startswith(ROOT)]
        if mounted:  # never remove through a mount; the namespaces should leave none
            print("install_test: mounts left under %s: %s" % (ROOT, mounted))
        else:
            subprocess.run(["rm", "-rf", "--one-file-system", ROOT])
        if not stat.S_ISCHR(os.stat("/dev/null").st_mode):
            print("install_test: /dev/null IS NO LONGER A CHARACTER DEVICE")
            sys.exit(1)


if __name__ == "__main__":
    sys.exit(main())
