"""k8s.deploy's canary and blue-green releases, run by `tame run`, judged by
a real Prometheus (Debian's `prometheus`, scraping every second an exporter
this test controls) against the Kubernetes API simulator of
tests/k8s_simulator/. Objects are read back with the real kubectl and
validated against the official schemas in ../shared/reference-schemas/.

Run by ctest: canary_test.py TAME SOURCE_DIR.
"""
import http.server
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.request

TAME = SOURCE = None
SIM = PROM = EXPORTER = None
WORK = None


class Exporter:
    """Serves /metrics (Prometheus text) and /stats (JSON) with values the
    test sets: the canary's success ratio and its p95 latency."""

    def __init__(self):
        self.values = {"success": 1.0, "latency": 50.0}
        exporter = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                if self.path == "/metrics":
                    body = ("# TYPE canary_success_ratio gauge\n"
                            "canary_success_ratio{track=\"canary\"} %s\n"
                            % exporter.values["success"]).encode()
                    kind = "text/plain; version=0.0.4"
                else:
                    body = json.dumps({"latency": {"p95_ms": exporter.values["latency"]}}).encode()
                    kind = "application/json"
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def start_prometheus(folder, target_port):
    config = os.path.join(folder, "prometheus.yml")
    with open(config, "w") as f:
        f.write("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                "scrape_configs:\n- job_name: canary\n  static_configs:\n"
                "  - targets: ['127.0.0.1:%d']\n" % target_port)
    port = services.free_port()
    proc = services.spawn(["prometheus", "--config.file=" + config,
                           "--storage.tsdb.path=" + os.path.join(folder, "data"),
                           "--web.listen-address=127.0.0.1:%d" % port],
                          os.path.join(folder, "prometheus.log"))
    url = "http://127.0.0.1:%d" % port
    deadline = time.time() + 60
    while time.time() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(url + "/api/v1/query?query=canary_success_ratio",
                                        timeout=2) as answer:
                if json.load(answer)["data"]["result"]:
                    return proc, url
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.5)
    services.stop_pid(proc.pid, grace=5)
    raise services.Unavailable("prometheus did not answer: " +
                               services.log_tail(os.path.join(folder, "prometheus.log"), 5))


def wait_for_value(query, value, timeout=30):
    """Waits until Prometheus has scraped `value` for `query`."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        with urllib.request.urlopen(PROM[1] + "/api/v1/query?" +
                                    urllib.parse.urlencode({"query": query}), timeout=5) as a:
            result = json.load(a)["data"]["result"]
        if result and float(result[0]["value"][1]) == value:
            return
        time.sleep(0.3)
    raise AssertionError("prometheus never saw %s = %s" % (query, value))


def kubectl(*args):
    r = subprocess.run(["kubectl", "--kubeconfig", SIM.kubeconfig, *args], capture_output=True,
                       text=True, timeout=60)
    if r.returncode != 0:
        raise AssertionError("kubectl %s: %s" % (" ".join(args), r.stderr))
    return json.loads(r.stdout) if "-o" in args else r.stdout


def deployments():
    return {d["metadata"]["name"]: d for d in kubectl("get", "deployments", "-o", "json")["items"]}


def service():
    return kubectl("get", "service", "iris", "-o", "json")


def image_of(deployment):
    return deployment["spec"]["template"]["spec"]["containers"][0]["image"]


def selects(selector, labels):
    return all(labels.get(k) == v for k, v in selector.items())


class ReleaseCase(unittest.TestCase):
    def setUp(self):
        SIM.control("/_simulator/reset", {})
        EXPORTER.values.update(success=1.0, latency=50.0)
        wait_for_value('canary_success_ratio{track="canary"}', 1.0)
        self.dir = tempfile.mkdtemp(prefix="tame-canary-", dir=WORK)
        self.validators = {}

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def analysis(self, count=3, interval="1s", failure_limit=0, prometheus=None):
        return {"prometheus": prometheus or PROM[1], "interval": interval, "count": count,
                "failure_limit": failure_limit,
                "metrics": [{"name": "success-rate",
                             "query": 'canary_success_ratio{track="canary"}', "op": ">=",
                             "value": 0.99},
                            {"name": "p95-latency",
                             "url": "http://127.0.0.1:%d/stats" % EXPORTER.port,
                             "json_path": "latency.p95_ms", "op": "<=", "value": 200}]}

    def pipeline(self, image, **with_):
        params = {"name": "iris", "image": image, "replicas": 4, "port": 8080,
                  "kubeconfig": SIM.kubeconfig, "rollout_timeout": "60s"}
        params.update(with_)
        doc = {"version": 1, "name": "release",
               "steps": [{"id": "deploy", "uses": "k8s.deploy", "with": params}]}
        with open(os.path.join(self.dir, "p.json"), "w") as f:
            json.dump(doc, f)

    def run_tame(self, *args, timeout=120):
        return subprocess.run([TAME, *args], cwd=self.dir, capture_output=True, text=True,
                              timeout=timeout, env=dict(os.environ, NO_COLOR="1"),
                              stdin=subprocess.DEVNULL)

    def log(self):
        runs = sorted(os.listdir(os.path.join(self.dir, ".tame", "runs")))
        with open(os.path.join(self.dir, ".tame", "runs", runs[-1], "logs", "deploy.log")) as f:
            return f.read()

    def report(self):
        runs = sorted(os.listdir(os.path.join(self.dir, ".tame", "runs")))
        with open(os.path.join(self.dir, ".tame", "runs", runs[-1], "report.json")) as f:
            return json.load(f)

    def deploy_stable(self):
        """iris:1 as a rolling Deployment, as an earlier tame made it."""
        self.pipeline("registry.test/iris:1")
        r = self.run_tame("run", "p.json")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertNotIn("tame.dev/release", service()["spec"]["selector"])

    def validate(self, obj, schema):
        import jsonschema
        path = os.path.join(SOURCE, "..", "shared", "reference-schemas", schema)
        with open(path) as f:
            document = json.load(f)
        validator = jsonschema.validators.validator_for(document)(document)
        errors = ["%s: %s" % ("/".join(map(str, e.absolute_path)), e.message)
                  for e in validator.iter_errors(obj)]
        self.assertEqual(errors, [], json.dumps(obj, indent=1))

    def assert_no_overlap(self, found):
        for a, da in found.items():
            for b, db in found.items():
                if a != b:
                    self.assertFalse(selects(da["spec"]["selector"]["matchLabels"],
                                             db["spec"]["template"]["metadata"]["labels"]),
                                     "%s selects the pods of %s" % (a, b))

    def test_canary_that_passes_is_promoted(self):
        self.deploy_stable()
        self.pipeline("registry.test/iris:2", strategy="canary",
                      canary_steps=[{"weight": 10, "pause": "1s"}, {"weight": 50, "pause": "1s"}],
                      analysis=self.analysis(count=3))
        seen = {}

        def watch():  # what kubectl sees while the canary runs
            deadline = time.time() + 60
            while time.time() < deadline and "endpoints" not in seen:
                found = deployments()
                if "iris-canary" in found:
                    seen.setdefault("canary", found)
                    seen.setdefault("service", service())
                    pods = [a["targetRef"]["name"] for subset in
                            kubectl("get", "endpoints", "iris", "-o", "json").get("subsets", [])
                            for a in subset["addresses"]]
                    if any(p.startswith("iris-canary-") for p in pods):
                        seen["endpoints"] = pods
                time.sleep(0.2)

        watcher = threading.Thread(target=watch)
        watcher.start()
        r = self.run_tame("run", "p.json", "--junit", "junit.xml")
        watcher.join()
        log = self.log()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr + log)
        self.assertIn("step 1/2: canary at weight 10: 1 of 4 pods, 25% of traffic\n", log)
        self.assertIn("step 2/2: canary at weight 50: 2 of 4 pods, 50% of traffic\n", log)
        self.assertIn("analysis 3/3: success-rate = 1, passed\n", log)
        self.assertIn("analysis 3/3: p95-latency = 50, passed\n", log)
        self.assertIn("promoted: the canary is removed and deployment \"iris\" runs "
                      "registry.test/iris:2\n", log)
        # While the canary ran: two Deployments, one Service selecting both.
        during = seen["canary"]
        self.assert_no_overlap(during)
        self.assertEqual(image_of(during["iris-canary"]), "registry.test/iris:2")
        self.assertEqual(image_of(during["iris"]), "registry.test/iris:1")
        self.assertEqual(during["iris-canary"]["spec"]["template"]["metadata"]["labels"]["track"],
                         "canary")
        self.assertEqual(during["iris"]["spec"]["template"]["metadata"]["labels"]["track"],
                         "stable")
        selector = seen["service"]["spec"]["selector"]
        self.assertEqual(selector, {"tame.dev/release": "iris"})
        for d in during.values():
            self.assertTrue(selects(selector, d["spec"]["template"]["metadata"]["labels"]))
            self.validate(d, "k8s-deployment-apps-v1.schema.json")
        self.validate(seen["service"], "k8s-service-v1.schema.json")
        # The Service's endpoints hold pods of both Deployments.
        self.assertTrue(any(p.startswith("iris-canary-") for p in seen["endpoints"]))
        self.assertTrue(any(not p.startswith("iris-canary-") for p in seen["endpoints"]),
                        seen["endpoints"])
        after = deployments()
        self.assertEqual(sorted(after), ["iris"])
        self.assertEqual(image_of(after["iris"]), "registry.test/iris:2")
        self.assertEqual(after["iris"]["spec"]["replicas"], 4)
        self.assertEqual(self.report()["steps"][0]["outputs"]["revision"],
                         after["iris"]["metadata"]["annotations"]["deployment.kubernetes.io/revision"])
        rows = self.report()["steps"][0]["analysis"]
        self.assertEqual(len(rows), 6)
        self.assertEqual({(row["metric"], row["verdict"]) for row in rows},
                         {("success-rate", "passed"), ("p95-latency", "passed")})
        self.assertEqual([(row["metric"], row["index"]) for row in rows],
                         [("success-rate", 0), ("p95-latency", 0), ("success-rate", 1),
                          ("p95-latency", 1), ("success-rate", 2), ("p95-latency", 2)])
        self.validate(self.report(), os.path.join(SOURCE, "schemas", "report.schema.json"))
        import xml.etree.ElementTree as ET
        cases = {c.get("name"): c for c in ET.parse(os.path.join(self.dir, "junit.xml")).iter(
            "testcase")}
        case = cases["analysis success-rate"]
        self.assertEqual(case.get("classname"), "release.deploy")
        self.assertIsNone(case.find("failure"))
        self.assertEqual(case.find("system-out").text,
                         "#1 1 passed\n#2 1 passed\n#3 1 passed\n")
        self.assertEqual(cases["analysis p95-latency"].find("system-out").text,
                         "#1 50 passed\n#2 50 passed\n#3 50 passed\n")

    def test_canary_that_fails_at_the_second_step_is_aborted(self):
        self.deploy_stable()
        self.pipeline("registry.test/iris:2", strategy="canary",
                      canary_steps=[{"weight": 25, "pause": "1s"}, {"weight": 75, "pause": "20s"}],
                      analysis=self.analysis(count=10, interval="2s"))
        proc = subprocess.Popen([TAME, "run", "p.json"], cwd=self.dir, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, stdin=subprocess.DEVNULL,
                                env=dict(os.environ, NO_COLOR="1"))
        try:
            self.wait_in_log("step 2/2:")
            EXPORTER.values["success"] = 0.5  # the canary goes bad
            out, _ = proc.communicate(timeout=90)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        log = self.log()
        self.assertEqual(proc.returncode, 1, out + log)
        self.assertRegex(log, r"release aborted: metric success-rate failed 1 of \d+ measurements, "
                         r"more than failure_limit 0 \(rule >= 0.99; values (1, )*0.5\)\n")
        self.assertIn("canary removed: deployment \"iris\" serves registry.test/iris:1 on 4 "
                      "pod(s), as before\n", log)
        after = deployments()
        self.assertEqual(sorted(after), ["iris"])
        self.assertEqual(image_of(after["iris"]), "registry.test/iris:1")
        self.assertEqual(after["iris"]["spec"]["replicas"], 4)
        rows = self.report()["steps"][0]["analysis"]
        failed = [r for r in rows if r["verdict"] == "failed"]
        self.assertEqual([(r["metric"], r["value"], r["note"]) for r in failed],
                         [("success-rate", 0.5, "0.5 is not >= 0.99")])
        self.validate(self.report(), os.path.join(SOURCE, "schemas", "report.schema.json"))

    def test_inconclusive_data_over_the_limit_aborts(self):
        self.deploy_stable()
        analysis = self.analysis(count=2)
        analysis["metrics"] = [{"name": "missing", "query": 'canary_success_ratio{track="none"}',
                                "op": ">=", "value": 0.99}]
        self.pipeline("registry.test/iris:2", strategy="canary",
                      canary_steps=[{"weight": 50}], analysis=analysis)
        r = self.run_tame("run", "p.json")
        log = self.log()
        self.assertEqual(r.returncode, 1, log)
        self.assertIn("analysis 1/2: missing = no value, inconclusive", log)
        self.assertIn("release aborted: metric missing was inconclusive in 2 of 2 measurements, "
                      "more than failure_limit 0 (rule >= 0.99; values inconclusive, "
                      "inconclusive)\n", log)
        self.assertEqual(sorted(deployments()), ["iris"])
        self.assertEqual(image_of(deployments()["iris"]), "registry.test/iris:1")

    def test_prometheus_down_is_inconclusive_and_aborts(self):
        self.deploy_stable()
        down = "http://127.0.0.1:%d" % services.free_port()
        analysis = self.analysis(count=2, prometheus=down)
        analysis["metrics"] = analysis["metrics"][:1]
        self.pipeline("registry.test/iris:2", strategy="canary",
                      canary_steps=[{"weight": 50}], analysis=analysis)
        r = self.run_tame("run", "p.json")
        log = self.log()
        self.assertEqual(r.returncode, 1, log)
        self.assertIn("analysis 1/2: success-rate = no value, inconclusive (", log)
        self.assertIn("release aborted: metric success-rate was inconclusive in 2 of 2 "
                      "measurements, more than failure_limit 0 (rule >= 0.99; values "
                      "inconclusive, inconclusive)\n", log)
        self.assertEqual(image_of(deployments()["iris"]), "registry.test/iris:1")

    def test_ctrl_c_during_a_pause_removes_the_canary(self):
        self.deploy_stable()
        self.pipeline("registry.test/iris:2", strategy="canary",
                      canary_steps=[{"weight": 50, "pause": "5m"}])
        proc = subprocess.Popen([TAME, "run", "p.json"], cwd=self.dir, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, stdin=subprocess.DEVNULL,
                                env=dict(os.environ, NO_COLOR="1"))
        try:
            self.wait_in_log("step 1/1:")
            self.assertIn("iris-canary", deployments())
            proc.send_signal(signal.SIGINT)
            out, _ = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        log = self.log()
        self.assertEqual(proc.returncode, 130, out + log)
        self.assertIn("release interrupted: interrupted by SIGTERM\n", log)
        self.assertIn("canary removed:", log)
        after = deployments()
        self.assertEqual(sorted(after), ["iris"])
        self.assertEqual(image_of(after["iris"]), "registry.test/iris:1")
        self.assertEqual(after["iris"]["spec"]["replicas"], 4)

    def test_blue_green_switches_and_switches_back(self):
        self.deploy_stable()
        self.pipeline("registry.test/iris:2", strategy="blue-green", scale_down_delay="1s",
                      analysis=self.analysis(count=2), resources={"requests.cpu": "100m"},
                      autoscale={"max": 6})
        r = self.run_tame("run", "p.json")
        log = self.log()
        self.assertEqual(r.returncode, 0, log)
        found = deployments()
        self.assertEqual(len(found), 1, sorted(found))
        green = next(iter(found))
        self.assertRegex(green, r"^iris-[0-9a-f]{8}$")
        self.assertEqual(image_of(found[green]), "registry.test/iris:2")
        self.assertEqual(service()["spec"]["selector"], {"app.kubernetes.io/name": green})
        self.assertIn("service/iris selects deployment \"%s\"\n" % green, log)
        self.assertEqual(self.report()["steps"][0]["outputs"]["revision"], "1")
        self.validate(found[green], "k8s-deployment-apps-v1.schema.json")
        self.validate(service(), "k8s-service-v1.schema.json")
        hpa = kubectl("get", "hpa", "iris", "-o", "json")
        self.assertEqual(hpa["spec"]["scaleTargetRef"]["name"], green)
        self.validate(hpa, "k8s-hpa-autoscaling-v2.schema.json")
        # The next version fails its check after the switch: back to green.
        self.pipeline("registry.test/iris:3", strategy="blue-green", scale_down_delay="1s",
                      analysis=self.analysis(count=1),
                      check_url="http://127.0.0.1:%d/nothing-here" % services.free_port(),
                      check_retries=0)
        r = self.run_tame("run", "p.json")
        log = self.log()
        self.assertEqual(r.returncode, 1, log)
        self.assertIn("switched back to deployment \"%s\"\n" % green, log)
        self.assertEqual(sorted(deployments()), [green])
        self.assertEqual(service()["spec"]["selector"], {"app.kubernetes.io/name": green})
        # The version that serves, asked for again: nothing to do.
        self.pipeline("registry.test/iris:2", strategy="blue-green", scale_down_delay="1s",
                      analysis=self.analysis(count=2), resources={"requests.cpu": "100m"},
                      autoscale={"max": 6})
        r = self.run_tame("run", "p.json")
        log = self.log()
        self.assertEqual(r.returncode, 0, log)
        self.assertIn("deployment \"%s\" already serves this pod template\n" % green, log)
        # A rolling release afterwards selects its own Deployment by name.
        self.pipeline("registry.test/iris:4")
        r = self.run_tame("run", "p.json")
        self.assertEqual(r.returncode, 0, self.log())
        self.assertEqual(service()["spec"]["selector"], {"app.kubernetes.io/name": "iris"})
        self.assertEqual(sorted(deployments()), sorted(["iris", green]))

    def test_resume_of_an_interrupted_canary_starts_from_the_stable_version(self):
        self.deploy_stable()
        self.pipeline("registry.test/iris:2", strategy="canary",
                      canary_steps=[{"weight": 50, "pause": "3s"}])
        proc = subprocess.Popen([TAME, "run", "p.json"], cwd=self.dir, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, stdin=subprocess.DEVNULL,
                                env=dict(os.environ, NO_COLOR="1"))
        try:
            self.wait_in_log("step 1/1:")
            proc.send_signal(signal.SIGINT)
            proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        self.assertEqual(proc.returncode, 130)
        self.assertEqual(sorted(deployments()), ["iris"])
        run = sorted(os.listdir(os.path.join(self.dir, ".tame", "runs")))[-1]
        r = self.run_tame("resume", run)
        log = self.log()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr + log)
        self.assertEqual(log.count("step 1/1: canary at weight 50: 2 of 4 pods, 50% of traffic\n"),
                         2, log)
        after = deployments()
        self.assertEqual(sorted(after), ["iris"])
        self.assertEqual(image_of(after["iris"]), "registry.test/iris:2")

    def test_the_steps_timeout_aborts_the_release(self):
        self.deploy_stable()
        self.pipeline("registry.test/iris:2", strategy="canary",
                      canary_steps=[{"weight": 25, "pause": "5m"}])
        with open(os.path.join(self.dir, "p.json")) as f:
            doc = json.load(f)
        doc["steps"][0]["timeout"] = "8s"
        with open(os.path.join(self.dir, "p.json"), "w") as f:
            json.dump(doc, f)
        r = self.run_tame("run", "p.json")
        log = self.log()
        self.assertEqual(r.returncode, 1, r.stdout + log)
        self.assertIn("release interrupted: interrupted by SIGTERM\n", log)
        self.assertIn("canary removed: deployment \"iris\" serves registry.test/iris:1 on 4 "
                      "pod(s), as before\n", log)
        after = deployments()
        self.assertEqual(sorted(after), ["iris"])
        self.assertEqual(image_of(after["iris"]), "registry.test/iris:1")

    def wait_in_log(self, text, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                if text in self.log():
                    return
            except (OSError, IndexError):
                pass
            time.sleep(0.1)
        raise AssertionError("never logged %r" % text)


def main():
    global TAME, SOURCE, SIM, PROM, EXPORTER, WORK, services
    TAME, SOURCE = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    sys.path.insert(0, os.path.join(SOURCE, "tests", "integration"))
    import services as services_module
    services = services_module
    if shutil.which("prometheus") is None or shutil.which("kubectl") is None:
        print("SKIP: prometheus or kubectl is not installed (scripts/setup.sh)")
        return 77
    WORK = tempfile.mkdtemp(prefix="tame-canary-work-")
    try:
        SIM = services.K8sSimulator.start(os.path.join(WORK, "sim"), tick=0.02)
        EXPORTER = Exporter()
        os.makedirs(os.path.join(WORK, "prom"))
        PROM = start_prometheus(os.path.join(WORK, "prom"), EXPORTER.port)
        program = unittest.main(argv=[sys.argv[0]] + sys.argv[3:], exit=False)
        return 0 if program.result.wasSuccessful() else 1
    finally:
        if PROM:
            services.stop_pid(PROM[0].pid, grace=5)
        if EXPORTER:
            EXPORTER.stop()
        if SIM:
            SIM.stop()
        shutil.rmtree(WORK, ignore_errors=True)


services = None
if __name__ == "__main__":
    import urllib.parse  # noqa: F401
    sys.exit(main())
