"""tame init, tame designer, the man page and bash completion, with the built CLI.

Run by ctest: init_designer_test.py TAME SOURCE_DIR. `tame designer` is
started on 127.0.0.1 and stopped with SIGINT, as Ctrl-C would.
"""
import os
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request

TAME = SOURCE = None


def tame(*args, cwd=None, env=None):
    return subprocess.run([TAME, *args], capture_output=True, text=True, cwd=cwd, env=env,
                          stdin=subprocess.DEVNULL, timeout=30)


def read(path):
    with open(path, "rb") as f:
        return f.read()


class InitTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="tame-init-")

    def test_default_template_is_ml_to_k8s_byte_for_byte(self):
        r = tame("init", cwd=self.dir)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(read(os.path.join(self.dir, "pipeline.json")),
                         read(os.path.join(SOURCE, "examples", "ml-to-k8s.json")))
        self.assertEqual(read(os.path.join(self.dir, ".gitignore")), b".tame/\n")
        self.assertTrue(r.stdout.startswith(
            "Wrote pipeline.json from the template ml-to-k8s. Added .tame/ to .gitignore.\n\n"
            "Next:\n  tame designer pipeline.json"), r.stdout)
        self.assertIn("\n  tame run pipeline.json", r.stdout)
        self.assertNotIn("cd ", r.stdout)
        has_doctor = "doctor" in tame("__complete", "verbs").stdout.split()
        self.assertEqual("tame doctor pipeline.json" in r.stdout, has_doctor)
        self.assertEqual(tame("validate", "pipeline.json", cwd=self.dir).returncode, 0)

    def test_template_into_a_new_folder_keeps_an_existing_gitignore(self):
        target = os.path.join(self.dir, "a", "b")
        os.makedirs(target)
        with open(os.path.join(target, ".gitignore"), "w") as f:
            f.write("*.pyc")  # no trailing newline
        r = tame("init", "--template", "local-ml", "a/b", cwd=self.dir)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(read(os.path.join(target, "pipeline.json")),
                         read(os.path.join(SOURCE, "examples", "local-ml.json")))
        self.assertEqual(read(os.path.join(target, ".gitignore")), b"*.pyc\n.tame/\n")
        self.assertIn("\n  cd a/b\n", r.stdout)
        os.remove(os.path.join(target, "pipeline.json"))
        r = tame("init", "--template=local-ml", "a/b", cwd=self.dir)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(read(os.path.join(target, ".gitignore")), b"*.pyc\n.tame/\n")
        self.assertEqual(r.stdout.splitlines()[0], "Wrote a/b/pipeline.json from the template local-ml.")

    def test_makes_missing_folders(self):
        r = tame("init", "new/project", cwd=self.dir)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(os.path.isfile(os.path.join(self.dir, "new", "project", "pipeline.json")))

    def test_refuses_to_overwrite(self):
        path = os.path.join(self.dir, "pipeline.json")
        with open(path, "w") as f:
            f.write("mine\n")
        r = tame("init", cwd=self.dir)
        self.assertEqual((r.returncode, r.stdout, r.stderr),
                         (2, "", "tame: pipeline.json: already exists; tame init never overwrites it\n"))
        self.assertEqual(read(path), b"mine\n")
        self.assertFalse(os.path.exists(os.path.join(self.dir, ".gitignore")))

    def test_unknown_template(self):
        r = tame("init", "--template", "ml-to-k9s", cwd=self.dir)
        self.assertEqual((r.returncode, r.stderr),
                         (2, "tame: no template \"ml-to-k9s\"; 'tame init --list' shows them\n"))
        self.assertEqual(os.listdir(self.dir), [])

    def test_folder_that_is_a_file(self):
        open(os.path.join(self.dir, "afile"), "w").close()
        r = tame("init", "afile/x", cwd=self.dir)
        self.assertEqual((r.returncode, r.stderr), (2, "tame: afile: not a folder\n"))

    def test_list(self):
        r = tame("init", "--list")
        self.assertEqual(r.returncode, 0)
        lines = r.stdout.splitlines()
        self.assertEqual([line.split()[0] for line in lines], ["ml-to-k8s", "local-ml", "promote"])
        self.assertTrue(lines[0].startswith("ml-to-k8s    (default) Check out the model, train it"), lines[0])
        self.assertEqual(tame("__complete", "templates").stdout, "ml-to-k8s\nlocal-ml\npromote\n")


class DesignerTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="tame-designer-")
        self.site = os.path.join(self.dir, "site")
        os.mkdir(self.site)
        for name, text in [("index.html", "<!doctype html><title>x</title>"),
                           ("designer.js", "// js"), ("designer.wasm", "\0asm")]:
            with open(os.path.join(self.site, name), "w") as f:
                f.write(text)
        self.file = os.path.join(self.dir, "my pipeline.json")
        with open(self.file, "w") as f:
            f.write('{"version": 1}\n')
        self.env = dict(os.environ, TAME_DESIGNER_DIR=self.site)
        self.env.pop("DISPLAY", None)
        self.env.pop("WAYLAND_DISPLAY", None)
        self.proc = None

    def tearDown(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def start(self, *args, env=None):
        self.proc = subprocess.Popen([TAME, "designer", *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
                                     env=env or self.env)
        first = self.proc.stdout.readline()
        url = self.proc.stdout.readline().strip()
        self.assertEqual(self.proc.stdout.readline(), "Press Ctrl-C to stop.\n")
        return first, url

    def stop(self):
        self.proc.send_signal(signal.SIGINT)
        out, err = self.proc.communicate(timeout=30)
        self.assertEqual((self.proc.returncode, out, err), (130, "tame designer: stopped\n", ""))

    def get(self, url):
        try:
            with urllib.request.urlopen(url, timeout=30) as r:
                return r.status, r.read(), r.headers.get("Content-Type")
        except urllib.error.HTTPError as e:
            return e.code, b"", None

    def test_serves_site_and_file_until_ctrl_c(self):
        first, url = self.start(self.file)
        self.assertEqual(first, "tame designer: serving %s and %s\n" % (self.site, self.file))
        self.assertRegex(url, r"^http://127\.0\.0\.1:\d+/\?open=my%20pipeline\.json$")
        base = url[:url.index("?")]
        self.assertEqual(self.get(base), (200, read(os.path.join(self.site, "index.html")),
                                          "text/html; charset=utf-8"))
        self.assertEqual(self.get(base + "designer.wasm")[2], "application/wasm")
        self.assertEqual(self.get(base + "my%20pipeline.json")[:2], (200, read(self.file)))
        self.assertEqual(self.get(base + "%2E%2E/%2E%2E/etc/passwd")[0], 404)
        self.assertEqual(self.get(base + "%zz")[0], 404)
        self.assertEqual(self.get(base + "../" + os.path.basename(self.dir) + "/my%20pipeline.json")[0], 404)
        self.assertEqual(self.get(base + "nothing.js")[0], 404)
        self.stop()

    def test_file_is_read_afresh(self):
        plain = os.path.join(self.dir, "pipeline.json")
        with open(plain, "w") as f:
            f.write("one\n")
        _, url = self.start(plain, "--no-browser")
        self.assertTrue(url.endswith("/?open=pipeline.json"), url)
        base = url[:url.index("?")]
        self.assertEqual(self.get(base + "pipeline.json")[:2], (200, b"one\n"))
        with open(plain, "w") as f:
            f.write("two\n")
        self.assertEqual(self.get(base + "pipeline.json")[:2], (200, b"two\n"))
        self.stop()

    def test_file_named_like_a_site_file_is_served_under_file(self):
        clash = os.path.join(self.dir, "index.html")
        with open(clash, "w") as f:
            f.write("{}")
        _, url = self.start(clash)
        self.assertTrue(url.endswith("/?open=file/index.html"), url)
        base = url[:url.index("?")]
        self.assertEqual(self.get(base + "file/index.html")[:2], (200, b"{}"))
        self.assertEqual(self.get(base + "index.html")[1], read(os.path.join(self.site, "index.html")))
        self.stop()

    def test_port_flag_and_busy_port(self):
        with socket.socket() as busy:
            busy.bind(("127.0.0.1", 0))
            busy.listen(1)
            port = busy.getsockname()[1]
            r = tame("designer", "--port", str(port), env=self.env)
            self.assertEqual((r.returncode, r.stderr), (
                2, "tame: cannot listen on 127.0.0.1:%d: Address already in use\n" % port))
        _, url = self.start("--port", str(port))
        self.assertEqual(url, "http://127.0.0.1:%d/" % port)
        self.assertEqual(self.get(url)[0], 200)
        self.stop()

    def test_bad_input(self):
        for args, message in [
            (["--port", "http"], "tame: --port: \"http\" is not a port number (1 to 65535)\n"),
            (["--port", "70000"], "tame: --port: \"70000\" is not a port number (1 to 65535)\n"),
            (["missing.json"], "tame: missing.json: cannot open: No such file or directory\n"),
        ]:
            r = tame("designer", *args, env=self.env, cwd=self.dir)
            self.assertEqual((r.returncode, r.stdout, r.stderr), (2, "", message), args)
        env = dict(self.env, TAME_DESIGNER_DIR=os.path.join(self.dir, "none"))
        r = tame("designer", env=env)
        self.assertEqual(r.returncode, 2)
        self.assertIn("the designer's site is not here (looked in %s/none)" % self.dir, r.stderr)

    def test_opens_the_browser_when_there_is_a_display(self):
        bin_dir = os.path.join(self.dir, "bin")
        os.mkdir(bin_dir)
        opened = os.path.join(self.dir, "opened")
        fake = os.path.join(bin_dir, "xdg-open")
        with open(fake, "w") as f:
            f.write('#!/bin/sh\nprintf "%%s\\n" "$@" > "%s.tmp" && mv "%s.tmp" "%s"\n'
                    % (opened, opened, opened))
        os.chmod(fake, 0o755)
        env = dict(self.env, DISPLAY=":7", PATH=bin_dir + ":" + os.environ["PATH"])
        _, url = self.start(self.file, env=env)
        for _ in range(300):
            if os.path.exists(opened):
                break
            time.sleep(0.1)
        self.assertEqual(read(opened).decode(), url + "\n")
        self.stop()
        os.remove(opened)
        _, url = self.start("--no-browser", env=env)
        self.stop()
        self.assertFalse(os.path.exists(opened))


class DocsTest(unittest.TestCase):
    def test_man_page_has_every_verb_and_renders(self):
        page = tame("__man").stdout
        self.assertTrue(page.startswith(".\\\" Generated by 'tame __man'"))
        for verb in tame("__complete", "verbs").stdout.split():
            if verb != "help":
                self.assertIn("\n.SS %s \\(em " % verb, page)
        man = subprocess.run(["man", "-l", "-"], input=page, capture_output=True, text=True,
                             env=dict(os.environ, MANWIDTH="80", MAN_KEEP_FORMATTING=""))
        if man.returncode == 0:  # man-db is not on every machine
            self.assertIn("tame init [--template NAME] [--list] [DIR]", man.stdout)
            self.assertEqual(man.stderr, "")

    def complete(self, line, cwd):
        script = os.path.join(SOURCE, "packaging", "tame.bash-completion")
        words = line.split(" ")
        code = ('source "$1"; COMP_WORDS=(%s); COMP_CWORD=%d; COMP_LINE=%s; COMP_POINT=${#COMP_LINE}; '
                '_tame; printf "%%s\\n" "${COMPREPLY[@]}"' % (
                    " ".join("'%s'" % w for w in words), len(words) - 1, "'%s'" % line))
        env = dict(os.environ, PATH=os.path.dirname(TAME) + ":" + os.environ["PATH"])
        r = subprocess.run(["bash", "--norc", "-c", code, "bash", script], capture_output=True,
                           text=True, cwd=cwd, env=env)
        self.assertEqual(r.stderr, "")
        return sorted(w for w in r.stdout.split("\n") if w)

    def test_bash_completion(self):
        work = tempfile.mkdtemp(prefix="tame-complete-")
        tame("init", "--template", "local-ml", cwd=work)
        self.assertEqual(self.complete("tame in", work), ["init"])
        self.assertEqual(self.complete("tame init --t", work), ["--template"])
        self.assertEqual(self.complete("tame init --template l", work), ["local-ml"])
        self.assertEqual(self.complete("tame run pipeline.json --only train-", work),
                         ["train-linear", "train-threshold"])
        self.assertEqual(self.complete("tame run -j 2 pipeline.json --from p", work), ["prepare"])
        self.assertEqual(self.complete("tame run --no-c", work), ["--no-cache"])
        self.assertEqual(self.complete("tame show ", work), ["latest"])
        os.makedirs(os.path.join(work, ".tame", "runs", "20261206-041500-ab12"))
        self.assertEqual(self.complete("tame resume 2", work), ["20261206-041500-ab12"])
        self.assertEqual(self.complete("tame graph pipeline.json --format m", work), ["mermaid"])
        self.assertEqual(self.complete("tame validate pipe", work), ["pipeline.json"])


if __name__ == "__main__":
    TAME, SOURCE = sys.argv[1], sys.argv[2]
    unittest.main(argv=sys.argv[:1], verbosity=1)
