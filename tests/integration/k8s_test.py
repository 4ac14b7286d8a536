"""k8s.deploy and http.check as step processes (`tame __step KIND`, the
contract in runner/steps/step.h), against the Kubernetes API simulator in
tests/k8s_simulator/ (a simulator of the API subset tame calls, not a
Kubernetes API server), with the real kubectl pointed at the same simulator
to check that it speaks the API's shapes, and every manifest tame generates
validated against the official schemas in ../shared/reference-schemas/.

Run by ctest: k8s_test.py TAME SOURCE_DIR.
"""
import base64
import http.server
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.request

TAME = SOURCE = None
SIM = None  # the running simulator: {"url", "port", "pki", "proc", "dir"}
TOKEN = "tame-test-token"


def control(path, body=None):
    """Talks to the simulator's control endpoint (not part of the API)."""
    context = ssl.create_default_context(cafile=SIM["pki"]["ca_crt"])
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(SIM["url"] + path, data=data,
                                     method="GET" if data is None and path.endswith("requests")
                                     else "POST")
    with urllib.request.urlopen(request, context=context, timeout=10) as answer:
        return json.load(answer)


def start_simulator():
    folder = tempfile.mkdtemp(prefix="tame-k8s-sim-")
    sys.path.insert(0, os.path.join(SOURCE, "tests", "k8s_simulator"))
    from pki import make_pki
    pki = make_pki(os.path.join(folder, "pki"))
    port_file = os.path.join(folder, "port")
    log = open(os.path.join(folder, "simulator.log"), "w")
    proc = subprocess.Popen(
        [sys.executable, os.path.join(SOURCE, "tests", "k8s_simulator", "simulator.py"),
         "--pki", os.path.join(folder, "pki"), "--port-file", port_file, "--tick", "0.02",
         "--token", TOKEN + "=ci", "--token", "viewer-token=viewer"],
        stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    for _ in range(100):
        if os.path.exists(port_file) or proc.poll() is not None:
            break
        time.sleep(0.05)
    if not os.path.exists(port_file):
        proc.kill()
        raise RuntimeError("the simulator did not start: " +
                           read(os.path.join(folder, "simulator.log")))
    port = int(read(port_file))
    return {"url": "https://127.0.0.1:%d" % port, "port": port, "pki": pki, "proc": proc,
            "dir": folder}


def read(path, mode="r"):
    with open(path, mode) as f:
        return f.read()


def b64(path):
    return base64.b64encode(read(path, "rb")).decode()


def kubeconfig(folder, name="kubeconfig", server=None, cluster=None, user=None):
    """Writes a kubeconfig; `cluster` and `user` are the YAML bodies, indented by 4."""
    server = server or SIM["url"]
    cluster = cluster if cluster is not None else \
        "    certificate-authority-data: %s\n" % b64(SIM["pki"]["ca_crt"])
    user = user if user is not None else "    token: %s\n" % TOKEN
    path = os.path.join(folder, name)
    with open(path, "w") as f:
        f.write("apiVersion: v1\nkind: Config\nclusters:\n- name: simulator\n  cluster:\n"
                "    server: %s\n%scontexts:\n- name: sim\n  context:\n    cluster: simulator\n"
                "    user: ci\ncurrent-context: sim\nusers:\n- name: ci\n  user:\n%s"
                % (server, cluster, user))
    return path


def step(kind, params, workdir, env=None, timeout=60):
    out = os.path.join(workdir, "outputs")
    full = {k: v for k, v in os.environ.items()
            if not k.startswith(("KUBE", "TAME_")) and "proxy" not in k.lower()}
    full.update(TAME_PARAMS=json.dumps(params), TAME_STEP="deploy", TAME_RUN_ID="R1",
                TAME_WORKSPACE=workdir, TAME_OUTPUT=out, HOME=workdir,
                TAME_RUN_DIR=os.path.join(workdir, ".tame", "runs", "R1"))
    full.update(env or {})
    r = subprocess.run([TAME, "__step", kind], cwd=workdir, env=full, capture_output=True,
                       text=True, timeout=timeout)
    outputs = {}
    if os.path.exists(out):
        for line in read(out).splitlines():
            k, _, v = line.partition("=")
            outputs[k] = v
        os.unlink(out)
    return r, outputs


def lines(result):
    return result.stdout.splitlines()


class SimulatorCase(unittest.TestCase):
    def setUp(self):
        control("/_simulator/reset")
        self.dir = tempfile.mkdtemp(prefix="tame-k8s-")
        self.kubeconfig = kubeconfig(self.dir)

    def tearDown(self):
        shutil.rmtree(self.dir)

    def deploy(self, params, env=None, **kw):
        base = {"KUBECONFIG": self.kubeconfig}
        base.update(env or {})
        return step("k8s.deploy", params, self.dir, base, **kw)

    def kubectl(self, *args, check=True):
        kubectl = shutil.which("kubectl")
        if kubectl is None:
            self.skipTest("SKIPPED LOUDLY: kubectl is not installed, so the simulator is not "
                          "cross-checked against the real client")
        env = {"KUBECONFIG": self.kubeconfig, "HOME": self.dir,
               "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        r = subprocess.run([kubectl, "--request-timeout=20s", *args], env=env,
                           capture_output=True, text=True, timeout=60)
        if check:
            self.assertEqual(r.returncode, 0, r.stderr)
        return r

    def requests(self, method):
        return [r for r in control("/_simulator/requests") if r["method"] == method]


class DeployTest(SimulatorCase):
    def assertSubset(self, sent, seen, where=""):
        """Every field of `sent` is in `seen` with the same value."""
        if isinstance(sent, dict):
            self.assertIsInstance(seen, dict, where)
            for key, value in sent.items():
                self.assertIn(key, seen, where)
                self.assertSubset(value, seen[key], where + "/" + key)
        elif isinstance(sent, list):
            self.assertEqual(len(sent), len(seen), where)
            for i, (a, b) in enumerate(zip(sent, seen)):
                self.assertSubset(a, b, "%s/%d" % (where, i))
        else:
            self.assertEqual(sent, seen, where)

    def test_deploys_and_kubectl_reads_the_same_deployment(self):
        params = {
            "image": "127.0.0.1:5000/iris@sha256:" + "a" * 64, "name": "iris", "replicas": 2,
            "port": 8080, "env": {"MODEL": "iris"}, "labels": {"team": "ds"},
            "resources": {"requests.cpu": "250m", "limits.memory": "256Mi"}}
        r, _ = self.deploy(params, env={"TAME_K8S_PRINT": "1"})
        sent_service, sent_deployment = json.loads(r.stdout)["items"]
        r, outputs = self.deploy(params)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(outputs, {"revision": "1", "url": "http://iris.default.svc:8080"})
        out = lines(r)
        self.assertEqual(out[0], 'Kubernetes API %s (context "sim" of kubeconfig %s)'
                         % (SIM["url"], self.kubeconfig))
        self.assertEqual(out[1:3], ["service/iris applied", "deployment.apps/iris applied (new)"])
        self.assertIn('deployment "iris" successfully rolled out', out)
        self.assertEqual(out[-1], 'deployment "iris" is at revision 1')
        patches = self.requests("PATCH")
        self.assertEqual([p["path"] for p in patches],
                         ["/api/v1/namespaces/default/services/iris",
                          "/apis/apps/v1/namespaces/default/deployments/iris"])
        for p in patches:
            self.assertEqual(p["content_type"], "application/apply-patch+yaml")
            self.assertEqual(p["query"], {"fieldManager": "tame", "force": "true"})

        deployment = json.loads(self.kubectl("get", "deployment", "iris", "-o", "json").stdout)
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        self.assertEqual(container["image"], "127.0.0.1:5000/iris@sha256:" + "a" * 64)
        self.assertEqual(container["env"], [{"name": "MODEL", "value": "iris"}])
        self.assertEqual(container["resources"], {"requests": {"cpu": "250m"},
                                                  "limits": {"memory": "256Mi"}})
        self.assertEqual(deployment["metadata"]["labels"]["team"], "ds")
        self.assertEqual(deployment["metadata"]["annotations"]["deployment.kubernetes.io/revision"],
                         "1")
        self.assertEqual(deployment["status"]["availableReplicas"], 2)
        self.assertEqual(deployment["status"]["observedGeneration"],
                         deployment["metadata"]["generation"])
        service = json.loads(self.kubectl("get", "service", "iris", "-o", "json").stdout)
        self.assertSubset(sent_deployment, deployment)
        self.assertSubset(sent_service, service)
        self.assertEqual(service["spec"]["ports"][0]["port"], 8080)
        self.assertEqual(service["spec"]["selector"], {"app.kubernetes.io/name": "iris"})
        status = self.kubectl("rollout", "status", "deployment/iris", "--timeout=20s")
        self.assertEqual(status.stdout.strip().splitlines()[-1],
                         'deployment "iris" successfully rolled out')

        r, outputs = self.deploy({"image": "127.0.0.1:5000/iris@sha256:" + "b" * 64,
                                  "name": "iris", "replicas": 2})
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertEqual(outputs, {"revision": "2", "url": "http://iris.default.svc:8080"})
        self.assertIn("deployment.apps/iris applied (revision 1 was running)", lines(r))
        history = self.kubectl("rollout", "history", "deployment/iris").stdout
        self.assertIn("tame run R1, step deploy: 127.0.0.1:5000/iris@sha256:" + "b" * 64,
                      history)
        sets = json.loads(self.kubectl("get", "replicasets", "-o", "json").stdout)["items"]
        self.assertEqual(sorted((s["metadata"]["annotations"]["deployment.kubernetes.io/revision"],
                                 s["spec"]["replicas"]) for s in sets), [("1", 0), ("2", 2)])

    def test_kubectl_follows_a_rollout_in_progress(self):
        r, outputs = self.deploy({"image": "reg/iris:1", "name": "iris", "replicas": 6,
                                  "wait": False})
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertIn("not waiting for the rollout (wait is false); deployment \"iris\" is at "
                      "revision 1", lines(r))
        self.assertEqual(outputs, {"revision": "1", "url": "http://iris.default.svc:8080"})
        status = self.kubectl("rollout", "status", "deployment/iris", "--timeout=20s")
        self.assertEqual(status.stdout.strip().splitlines()[-1],
                         'deployment "iris" successfully rolled out')
        watches = [q for q in control("/_simulator/requests") if q["query"].get("watch") == "true"]
        self.assertTrue(watches, "kubectl rollout status did not watch")

    def test_unhealthy_rollout_is_rolled_back(self):
        r, _ = self.deploy({"image": "reg/iris:1", "name": "iris", "replicas": 2})
        self.assertEqual(r.returncode, 0, r.stdout)
        control("/_simulator/config", {"bad_images": ["iris:2"], "deadline": 0.3})
        r, outputs = self.deploy({"image": "reg/iris:2", "name": "iris", "replicas": 2})
        self.assertEqual(r.returncode, 1, r.stdout)
        out = lines(r)
        self.assertIn('deployment "iris" exceeded its progress deadline', out)
        self.assertIn('the rollout of deployment "iris" failed: deployment "iris" exceeded its '
                      'progress deadline', out)
        self.assertIn('rolling back deployment "iris" from revision 2 to revision 1 '
                      '(image reg/iris:1)', out)
        self.assertEqual(out[-1], 'rolled back: deployment "iris" runs the pod template of '
                         'revision 1 again, as revision 3')
        self.assertEqual(outputs, {"revision": "3", "url": "http://iris.default.svc:8080"})
        deployment = json.loads(self.kubectl("get", "deployment", "iris", "-o", "json").stdout)
        self.assertEqual(deployment["spec"]["template"]["spec"]["containers"][0]["image"],
                         "reg/iris:1")
        self.assertNotIn("pod-template-hash", deployment["spec"]["template"]["metadata"]["labels"])
        self.kubectl("rollout", "status", "deployment/iris", "--timeout=20s")
        history = self.kubectl("rollout", "history", "deployment/iris").stdout
        self.assertIn("tame run R1, step deploy: rolled back to revision 1", history)

    def test_rollout_timeout_rolls_back(self):
        self.deploy({"image": "reg/iris:1", "name": "iris"})
        control("/_simulator/config", {"bad_images": ["iris:2"]})
        r, _ = self.deploy({"image": "reg/iris:2", "name": "iris", "rollout_timeout": "600ms"})
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn('the rollout of deployment "iris" did not finish within 600ms; it was at: '
                      'Waiting for deployment "iris" rollout to finish: 1 old replicas are '
                      'pending termination...', lines(r))
        self.assertIn('rolling back deployment "iris" from revision 2 to revision 1 '
                      '(image reg/iris:1)', lines(r))

    def test_first_deploy_that_fails_has_nothing_to_roll_back_to(self):
        control("/_simulator/config", {"bad_images": ["iris:2"], "deadline": 0.2})
        r, _ = self.deploy({"image": "reg/iris:2", "name": "iris"})
        self.assertEqual(r.returncode, 1)
        self.assertEqual(lines(r)[-1], 'nothing to roll back to: deployment "iris" had no earlier '
                         'revision; it stays as it is')

    def test_rollback_off(self):
        self.deploy({"image": "reg/iris:1", "name": "iris"})
        control("/_simulator/config", {"bad_images": ["iris:2"], "deadline": 0.2})
        r, _ = self.deploy({"image": "reg/iris:2", "name": "iris", "rollback": False})
        self.assertEqual(r.returncode, 1)
        self.assertEqual(lines(r)[-1], 'rollback is off: deployment "iris" stays as it is')

    def test_failed_check_after_rollout_rolls_back(self):
        with AppServer([(500, "Traceback (most recent call last):\n  model not loaded\n")]) as app:
            self.deploy({"image": "reg/iris:1", "name": "iris"})
            r, outputs = self.deploy({"image": "reg/iris:2", "name": "iris",
                                      "check_url": app.url + "/healthz", "check_retries": 0})
        self.assertEqual(r.returncode, 1, r.stdout)
        out = lines(r)
        self.assertIn('deployment "iris" successfully rolled out', out)
        self.assertIn("GET %s/healthz: answered 500, expected a 2xx status (try 1 of 1)"
                      % app.url, out)
        i = out.index("the last answer began:")
        self.assertEqual(out[i + 1:i + 3], ["  | Traceback (most recent call last):",
                                            "  |   model not loaded"])
        self.assertIn("the check after the rollout failed", out)
        self.assertIn('rolling back deployment "iris" from revision 2 to revision 1 '
                      '(image reg/iris:1)', out)
        self.assertEqual(outputs, {"revision": "3", "url": "http://iris.default.svc:8080"})

    def test_passing_check_after_rollout(self):
        with AppServer([(200, "status: ok")]) as app:
            r, outputs = self.deploy({"image": "reg/iris:1", "name": "iris",
                                      "check_url": app.url + "/healthz", "check_contains": "ok",
                                      "check_retries": 2})
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertEqual(lines(r)[-3:], ["checking %s/healthz" % app.url,
                                         "GET %s/healthz: 200" % app.url,
                                         'deployment "iris" is at revision 1'])
        self.assertEqual(outputs, {"revision": "1", "url": "http://iris.default.svc:8080"})

    def test_check_url_needs_wait(self):
        r, _ = self.deploy({"image": "reg/iris:1", "name": "iris", "wait": False,
                            "check_url": "http://127.0.0.1:1/"})
        self.assertEqual(r.returncode, 3)
        self.assertEqual(lines(r), ["k8s.deploy: check_url needs wait: true (a check before the "
                                    "rollout finished would test the old pods)"])


class ApiErrorTest(SimulatorCase):
    def test_refused_token_is_named(self):
        self.kubeconfig = kubeconfig(self.dir, user="    token: not-the-token\n")
        r, _ = self.deploy({"image": "reg/iris:1", "name": "iris"})
        self.assertEqual(r.returncode, 3)
        self.assertEqual(lines(r)[-1], 'cannot read Deployment "iris": the token from kubeconfig '
                         'user "ci" was refused (401 Unauthorized) by the Kubernetes API at %s '
                         '(kubeconfig cluster "simulator")' % SIM["url"])
        self.assertEqual(self.requests("PATCH"), [])

    def test_forbidden_names_the_credential_and_quotes_the_api(self):
        control("/_simulator/config", {"read_only_users": ["viewer"]})
        self.kubeconfig = kubeconfig(self.dir, user="    token: viewer-token\n")
        r, _ = self.deploy({"image": "reg/iris:1", "name": "iris"})
        self.assertEqual(r.returncode, 3)
        self.assertEqual(lines(r)[-1], 'cannot apply Service "iris" in namespace "default": the '
                         'token from kubeconfig user "ci" was refused permission (403 Forbidden): '
                         'services "iris" is forbidden: User "viewer" cannot patch resource '
                         '"services" in API group "" in the namespace "default"')

    def test_conflict_shows_the_api_message(self):
        control("/_simulator/config", {"fail": [{"method": "PATCH", "path": "deployments",
                                                 "status": 409}]})
        r, _ = self.deploy({"image": "reg/iris:1", "name": "iris"})
        self.assertEqual(r.returncode, 1)  # another try may find the object settled
        self.assertEqual(lines(r)[-1], 'cannot apply Deployment "iris" in namespace "default": '
                         'the API refused it (409 Conflict): Operation cannot be fulfilled on '
                         'deployments.apps "iris": the object has been modified; please apply '
                         'your changes to the latest version and try again')

    def test_invalid_object_shows_the_api_message(self):
        r, _ = self.deploy({"image": "reg/iris:1", "name": "Iris_Model"})
        self.assertEqual(r.returncode, 3)
        self.assertEqual(lines(r)[-1], 'cannot apply Service "Iris_Model" in namespace "default": '
                         'the API refused it as invalid (422 Unprocessable Entity): Service '
                         '"Iris_Model" is invalid: metadata.name: Invalid value: "Iris_Model": a '
                         'DNS-1035 label must consist of lower case alphanumeric characters or '
                         "'-', start with an alphabetic character, and end with an alphanumeric "
                         "character (e.g. 'my-name',  or 'abc-123', regex used for validation is "
                         "'[a-z]([-a-z0-9]*[a-z0-9])?')")

    def test_changed_selector_is_adopted(self):
        # The API refuses to change a selector (422, as the simulator does);
        # tame keeps the live one and gives the pods its labels too.
        self.deploy({"image": "reg/iris:1", "name": "iris"})
        manifest = os.path.join(self.dir, "deploy.json")
        with open(manifest, "w") as f:
            json.dump({"apiVersion": "apps/v1", "kind": "Deployment",
                       "metadata": {"name": "iris"},
                       "spec": {"selector": {"matchLabels": {"app": "iris"}},
                                "template": {"metadata": {"labels": {"app": "iris"}},
                                             "spec": {"containers": [{"name": "m",
                                                                      "image": "x"}]}}}}, f)
        r, _ = self.deploy({"image": "reg/iris:2", "name": "iris", "manifest": "deploy.json"})
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertIn('adopting deployment "iris": it keeps its selector '
                      'app.kubernetes.io/name=iris (the API refuses to change one), and its pods '
                      "get those labels as well as tame's", lines(r))

    def test_missing_namespace(self):
        r, _ = self.deploy({"image": "reg/iris:1", "name": "iris", "namespace": "ml"})
        self.assertEqual(r.returncode, 3)
        self.assertEqual(lines(r)[-1], 'cannot apply Service "iris" in namespace "ml": namespace '
                         '"ml" does not exist (create it with `kubectl create namespace ml`)')
        control("/_simulator/config", {"namespaces": ["default", "ml"]})
        r, outputs = self.deploy({"image": "reg/iris:1", "name": "iris", "namespace": "ml"})
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertEqual(self.kubectl("get", "namespace", "ml", "-o", "name").stdout.strip(),
                         "namespace/ml")

    def test_server_error_on_apply_may_be_retried(self):
        control("/_simulator/config", {"fail": [{"method": "PATCH", "path": "services",
                                                 "status": 500}]})
        r, _ = self.deploy({"image": "reg/iris:1", "name": "iris"})
        self.assertEqual(r.returncode, 1)
        self.assertEqual(lines(r)[-1], 'cannot apply Service "iris" in namespace "default": the '
                         'Kubernetes API at %s (kubeconfig cluster "simulator") answered 500 '
                         'Internal Server Error: Internal error occurred: simulated failure'
                         % SIM["url"])

    def test_server_errors_while_waiting_are_waited_out(self):
        # The first GET asks what ran before; the ones after it follow the rollout.
        control("/_simulator/config", {"fail": [{"method": "GET", "path": "deployments/iris",
                                                 "status": 503, "count": 3, "skip": 1}]})
        r, outputs = self.deploy({"image": "reg/iris:1", "name": "iris"})
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertIn('warning: cannot read Deployment "iris": the Kubernetes API at %s '
                      '(kubeconfig cluster "simulator") answered 503 Service Unavailable: the '
                      'server is currently unable to handle the request; asking again'
                      % SIM["url"], lines(r))
        self.assertEqual(outputs, {"revision": "1", "url": "http://iris.default.svc:8080"})

    def test_slow_answers(self):
        control("/_simulator/config", {"delay": 0.2})
        r, outputs = self.deploy({"image": "reg/iris:1", "name": "iris"})
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertEqual(outputs, {"revision": "1", "url": "http://iris.default.svc:8080"})
        control("/_simulator/config", {"delay": 1.2})  # longer than what is left to wait
        r, _ = self.deploy({"image": "reg/iris:2", "name": "iris", "rollout_timeout": "1s",
                            "rollback": False})
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn('warning: cannot read Deployment "iris": the Kubernetes API at %s '
                      '(kubeconfig cluster "simulator") did not answer in time; asking again'
                      % SIM["url"], lines(r))
        self.assertIn('the rollout of deployment "iris" did not finish within 1s; the API did '
                      'not tell how the rollout went', lines(r))

    def test_unreachable_api(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            closed = s.getsockname()[1]
        self.kubeconfig = kubeconfig(self.dir, server="https://127.0.0.1:%d" % closed)
        r, _ = self.deploy({"image": "reg/iris:1", "name": "iris"})
        self.assertEqual(r.returncode, 1)
        self.assertEqual(lines(r)[-1], 'cannot read Deployment "iris": cannot reach the '
                         'Kubernetes API at https://127.0.0.1:%d (kubeconfig cluster '
                         '"simulator"): Couldn\'t connect to server' % closed)


class TlsAndConfigTest(SimulatorCase):
    def test_certificate_from_another_ca_is_refused(self):
        self.kubeconfig = kubeconfig(self.dir, cluster="    certificate-authority-data: %s\n"
                                     % b64(SIM["pki"]["other_ca_crt"]))
        r, _ = self.deploy({"image": "reg/iris:1", "name": "iris"})
        self.assertEqual(r.returncode, 3)
        self.assertTrue(lines(r)[-1].startswith(
            'cannot read Deployment "iris": the certificate of the Kubernetes API at %s '
            '(kubeconfig cluster "simulator") is not trusted: it is not signed by the '
            'configured CA (' % SIM["url"]), lines(r)[-1])
        self.assertEqual(control("/_simulator/requests"), [])

    def test_system_cas_do_not_vouch_for_the_simulator(self):
        self.kubeconfig = kubeconfig(self.dir, cluster="")
        r, _ = self.deploy({"image": "reg/iris:1", "name": "iris"})
        self.assertEqual(r.returncode, 3)
        self.assertIn("is not trusted: no system CA vouches for it", lines(r)[-1])

    def test_insecure_skip_only_when_the_kubeconfig_says_so_and_with_a_warning(self):
        self.kubeconfig = kubeconfig(self.dir, cluster="    insecure-skip-tls-verify: true\n")
        r, outputs = self.deploy({"image": "reg/iris:1", "name": "iris"})
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertIn('warning: kubeconfig cluster "simulator" sets insecure-skip-tls-verify: '
                      "the API server's certificate is not checked, so anyone in between can "
                      "read and change what tame sends", lines(r))
        self.assertEqual(outputs, {"revision": "1", "url": "http://iris.default.svc:8080"})

    def test_client_certificate_from_files_beside_the_kubeconfig(self):
        shutil.copy(SIM["pki"]["client_crt"], os.path.join(self.dir, "ci.crt"))
        shutil.copy(SIM["pki"]["client_key"], os.path.join(self.dir, "ci.key"))
        shutil.copy(SIM["pki"]["ca_crt"], os.path.join(self.dir, "ca.crt"))
        self.kubeconfig = kubeconfig(self.dir, cluster="    certificate-authority: ca.crt\n",
                                     user="    client-certificate: ci.crt\n"
                                          "    client-key: ci.key\n")
        r, _ = self.deploy({"image": "reg/iris:1", "name": "iris"})
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertEqual({q["user"] for q in control("/_simulator/requests")}, {"ci-cert"})

    def test_in_cluster_service_account(self):
        account = os.path.join(self.dir, "serviceaccount")
        os.makedirs(account)
        shutil.copy(SIM["pki"]["ca_crt"], os.path.join(account, "ca.crt"))
        with open(os.path.join(account, "token"), "w") as f:
            f.write(TOKEN + "\n")
        r, outputs = step("k8s.deploy", {"image": "reg/iris:1", "name": "iris"}, self.dir, {
            "KUBERNETES_SERVICE_HOST": "127.0.0.1",
            "KUBERNETES_SERVICE_PORT": str(SIM["port"]),
            "TAME_K8S_SERVICE_ACCOUNT_DIR": account})
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertIn("Kubernetes API %s (in-cluster service account)" % SIM["url"], lines(r))
        control("/_simulator/config", {"tokens": {}})
        r, _ = step("k8s.deploy", {"image": "reg/iris:2", "name": "iris"}, self.dir, {
            "KUBERNETES_SERVICE_HOST": "127.0.0.1",
            "KUBERNETES_SERVICE_PORT": str(SIM["port"]),
            "TAME_K8S_SERVICE_ACCOUNT_DIR": account})
        self.assertEqual(lines(r)[-1], 'cannot read Deployment "iris": the service account token '
                         '(%s/token) was refused (401 Unauthorized) by the Kubernetes API at %s'
                         % (account, SIM["url"]))

    def test_merged_kubeconfig_files(self):
        first = os.path.join(self.dir, "first")
        with open(first, "w") as f:
            f.write("current-context: sim\ncontexts:\n- name: sim\n  context:\n"
                    "    cluster: simulator\n    user: ci\n")
        r, outputs = self.deploy({"image": "reg/iris:1", "name": "iris"},
                                 env={"KUBECONFIG": first + ":" + self.kubeconfig})
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertEqual(outputs, {"revision": "1", "url": "http://iris.default.svc:8080"})

    def test_configuration_errors(self):
        r, _ = step("k8s.deploy", {"image": "reg/iris:1", "name": "iris"}, self.dir)
        self.assertEqual(r.returncode, 3)
        self.assertEqual(lines(r)[-1], "k8s.deploy: no Kubernetes configuration: KUBECONFIG is "
                         "not set, ~/.kube/config does not exist, and this is not a pod in a "
                         "cluster (KUBERNETES_SERVICE_HOST is not set)")
        self.kubeconfig = kubeconfig(self.dir, user="    exec:\n      command: aws\n")
        r, _ = self.deploy({"image": "reg/iris:1", "name": "iris"})
        self.assertEqual(r.returncode, 3)
        self.assertEqual(lines(r)[-1], 'k8s.deploy: kubeconfig %s: user "ci": exec: apiVersion '
                         '"" is not client.authentication.k8s.io/v1 or v1beta1' % self.kubeconfig)
        with open(self.kubeconfig, "w") as f:
            f.write("clusters: [\n")
        r, _ = self.deploy({"image": "reg/iris:1", "name": "iris"})
        self.assertEqual(r.returncode, 3)
        self.assertTrue(lines(r)[-1].startswith("k8s.deploy: kubeconfig %s: line 2: "
                                                % self.kubeconfig), lines(r)[-1])
        r, _ = self.deploy({"image": "reg/iris:1", "name": "iris"},
                           env={"KUBECONFIG": os.path.join(self.dir, "nope")})
        self.assertEqual(lines(r)[-1], 'k8s.deploy: KUBECONFIG is set to "%s", but no file it '
                         'names exists' % os.path.join(self.dir, "nope"))


MANIFEST = """\
# a user's manifest: two containers, the app's named after the step
apiVersion: v1
kind: Service
metadata:
  name: iris
spec:
  selector: {app: iris}
  ports:
  - port: 80
    targetPort: 8080
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: iris
  annotations:
    owner: 'ds-team'
spec:
  replicas: 2
  selector:
    matchLabels: {app: iris}
  template:
    metadata:
      labels: {app: iris}
    spec:
      containers:
      - name: sidecar
        image: reg/proxy:1
        env:
        - {name: VERBOSE, value: "yes"}
      - name: iris
        image: placeholder
        ports: [{containerPort: 0x1F90}]
        volumeMounts: [{name: config, mountPath: /etc/iris}]
      volumes:
      - name: config
        configMap: {name: iris, defaultMode: 0644}
"""


class ManifestTest(SimulatorCase):
    def write(self, name, text):
        with open(os.path.join(self.dir, name), "w") as f:
            f.write(text)

    def printed(self, params):
        r, _ = step("k8s.deploy", params, self.dir, {"TAME_K8S_PRINT": "1"})
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        doc = json.loads(r.stdout)
        self.assertEqual((doc["apiVersion"], doc["kind"]), ("v1", "List"))
        return doc["items"]

    def test_yaml_manifest_gets_the_image_and_kubernetes_typing(self):
        self.write("k8s.yaml", MANIFEST)
        service, deployment = self.printed({"image": "reg/iris@sha256:" + "c" * 64,
                                            "name": "iris", "manifest": "k8s.yaml",
                                            "namespace": "default"})
        self.assertEqual(service["metadata"], {"name": "iris", "namespace": "default"})
        pod = deployment["spec"]["template"]["spec"]
        self.assertEqual([c["image"] for c in pod["containers"]],
                         ["reg/proxy:1", "reg/iris@sha256:" + "c" * 64])
        self.assertEqual(pod["containers"][0]["env"], [{"name": "VERBOSE", "value": "yes"}])
        self.assertEqual(pod["containers"][1]["ports"], [{"containerPort": 8080}])
        self.assertEqual(pod["volumes"][0]["configMap"]["defaultMode"], 0o644)
        r, outputs = self.deploy({"image": "reg/iris:1", "name": "iris", "manifest": "k8s.yaml"})
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertEqual(outputs, {"revision": "1", "url": "http://iris.default.svc:80"})
        deployment = json.loads(self.kubectl("get", "deployment", "iris", "-o", "json").stdout)
        self.assertEqual(deployment["metadata"]["annotations"]["owner"], "ds-team")
        self.assertEqual(deployment["spec"]["template"]["spec"]["containers"][1]["image"],
                         "reg/iris:1")

    def test_manifest_errors(self):
        self.write("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")
        self.write("other.yaml", MANIFEST.replace("name: iris\n  annotations", "name: other\n"
                                                  "  annotations"))
        self.write("two.yaml", MANIFEST.replace("- name: iris\n", "- name: model\n"))
        self.write("bad.yaml", "kind: Deployment\n  metadata: [\n")
        self.write("deep.yaml", "a: " + "[" * 1000 + "]" * 1000 + "\n")
        cases = {
            "cm.yaml": 'k8s.deploy: cm.yaml: k8s.deploy applies apps/v1 Deployments and v1 '
                       'Services; "c" is v1 ConfigMap',
            "other.yaml": 'k8s.deploy: other.yaml: its Deployment is named "other", but the '
                          'step\'s name is "iris"',
            "two.yaml": 'k8s.deploy: two.yaml: Deployment "iris" has several containers '
                        '(sidecar, model) and none is named "iris", so which one runs the image '
                        'is unclear; name it "iris"',
            "missing.yaml": "k8s.deploy: manifest missing.yaml: cannot open: No such file or "
                            "directory",
            "deep.yaml": "k8s.deploy: deep.yaml: line 1: nested too deeply",
        }
        for name, message in cases.items():
            r, _ = self.deploy({"image": "reg/iris:1", "name": "iris", "manifest": name})
            self.assertEqual(r.returncode, 3, name)
            self.assertEqual(lines(r)[-1], message)
        r, _ = self.deploy({"image": "reg/iris:1", "name": "iris", "manifest": "bad.yaml"})
        self.assertEqual(r.returncode, 3)
        self.assertTrue(lines(r)[-1].startswith("k8s.deploy: bad.yaml: line 2: "), lines(r))
        self.assertEqual(self.requests("PATCH"), [])

    def test_bad_resources_key(self):
        r, _ = step("k8s.deploy", {"image": "x", "name": "iris", "resources": {"cpu": "1"}},
                    self.dir, {"TAME_K8S_PRINT": "1"})
        self.assertEqual(r.returncode, 3)
        self.assertEqual(lines(r), ['k8s.deploy: resources: key "cpu" must be requests.NAME or '
                                    'limits.NAME, such as requests.cpu or limits.memory'])


class SchemaTest(unittest.TestCase):
    """Every manifest tame generates is valid under the official schemas."""

    @classmethod
    def setUpClass(cls):
        import jsonschema
        folder = os.path.join(SOURCE, "..", "shared", "reference-schemas")
        if not os.path.isdir(folder):
            raise unittest.SkipTest("SKIPPED LOUDLY: %s is missing" % folder)
        cls.validators = {}
        for kind, name in (("Deployment", "k8s-deployment-apps-v1.schema.json"),
                           ("Service", "k8s-service-v1.schema.json")):
            schema = json.loads(read(os.path.join(folder, name)))
            cls.validators[kind] = jsonschema.Draft7Validator(schema)

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="tame-k8s-schema-")

    def tearDown(self):
        shutil.rmtree(self.dir)

    def errors(self, obj):
        return ["%s: %s" % ("/".join(map(str, e.absolute_path)), e.message)
                for e in self.validators[obj["kind"]].iter_errors(obj)]

    def test_generated_manifests_validate(self):
        cases = [
            {"image": "reg/iris@sha256:" + "d" * 64, "name": "iris"},
            {"image": "127.0.0.1:5000/iris:1", "name": "iris-model", "namespace": "ml",
             "replicas": 0, "port": 9000, "env": {"A": "1", "B": ""},
             "labels": {"team": "ds", "app.kubernetes.io/version": "1"},
             "resources": {"requests.cpu": "250m", "requests.memory": "128Mi",
                           "limits.cpu": "1", "limits.memory": "256Mi",
                           "limits.nvidia.com/gpu": "1"}},
        ]
        with open(os.path.join(self.dir, "k8s.yaml"), "w") as f:
            f.write(MANIFEST)
        cases.append({"image": "reg/iris:1", "name": "iris", "manifest": "k8s.yaml"})
        checked = 0
        for params in cases:
            r, _ = step("k8s.deploy", params, self.dir, {"TAME_K8S_PRINT": "1"})
            self.assertEqual(r.returncode, 0, r.stdout)
            for obj in json.loads(r.stdout)["items"]:
                self.assertEqual(self.errors(obj), [], (params, obj["kind"]))
                checked += 1
        self.assertEqual(checked, 6)

    def test_the_schemas_do_catch_mistakes(self):
        r, _ = step("k8s.deploy", {"image": "x", "name": "iris"}, self.dir,
                    {"TAME_K8S_PRINT": "1"})
        service, deployment = json.loads(r.stdout)["items"]
        deployment["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] = "80"
        service["spec"]["ports"][0]["prot"] = "TCP"
        self.assertTrue(self.errors(deployment))
        self.assertTrue(self.errors(service))


class AppServer:
    """A plain HTTP endpoint on 127.0.0.1 that answers with the given
    (status, body) pairs in turn, repeating the last."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.hits = 0

    def __enter__(self):
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                status, body = owner.answers[min(owner.hits, len(owner.answers) - 1)]
                owner.hits += 1
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                if 300 <= status < 400:
                    self.send_header("Location", "/elsewhere")
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


class HttpCheckTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="tame-http-")

    def tearDown(self):
        shutil.rmtree(self.dir)

    def check(self, params):
        return step("http.check", params, self.dir)

    def test_retries_until_the_answer_is_right(self):
        with AppServer([(503, "warming up"), (200, "loading"), (200, "ready: ok")]) as app:
            r, outputs = self.check({"url": app.url + "/healthz", "contains": "ok",
                                     "retries": 3, "interval": "50ms"})
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertEqual(lines(r), [
            "GET %s/healthz: answered 503, expected 200 (try 1 of 4); trying again in 50ms"
            % app.url,
            'GET %s/healthz: answered 200, but the body does not contain "ok" (try 2 of 4); '
            "trying again in 100ms" % app.url,
            "GET %s/healthz: 200 (try 3 of 4)" % app.url,
            "http.check passed"])
        self.assertEqual(outputs, {"status": "200"})

    def test_failure_shows_how_the_answer_began(self):
        body = "".join("line %d\n" % i for i in range(1, 15))
        with AppServer([(500, body)]) as app:
            r, outputs = self.check({"url": app.url, "retries": 1, "interval": "10ms"})
        self.assertEqual(r.returncode, 1)
        out = lines(r)
        self.assertEqual(out[1], "GET %s: answered 500, expected 200 (try 2 of 2)" % app.url)
        self.assertEqual(out[2], "the last answer began:")
        self.assertEqual(out[3:13], ["  | line %d" % i for i in range(1, 11)])
        self.assertEqual(out[13:], ["  | ...", "http.check failed after 2 tries"])
        self.assertEqual(outputs, {"status": "500"})

    def test_expected_status_other_than_200(self):
        with AppServer([(302, "")]) as app:
            r, outputs = self.check({"url": app.url, "retries": 0})
            self.assertEqual(r.returncode, 1)
            self.assertEqual(lines(r)[0], "GET %s: answered 302, expected 200 (redirect to "
                             "%s/elsewhere) (try 1 of 1)" % (app.url, app.url))
            r, outputs = self.check({"url": app.url, "expect_status": 302})
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertEqual(outputs, {"status": "302"})

    def test_no_answer(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        r, outputs = self.check({"url": "http://127.0.0.1:%d/" % port, "retries": 0})
        self.assertEqual(r.returncode, 1)
        self.assertEqual(lines(r), ["GET http://127.0.0.1:%d/: no answer: Couldn't connect to "
                                    "server (try 1 of 1)" % port,
                                    "http.check failed after 1 try"])
        self.assertEqual(outputs, {"status": "0"})

    def test_bad_url(self):
        r, _ = self.check({"url": "ftp://127.0.0.1/"})
        self.assertEqual(r.returncode, 3)
        self.assertEqual(lines(r), ['http.check: url must start with http:// or https://, not '
                                    '"ftp://127.0.0.1/"'])


class RunTest(SimulatorCase):
    """Through `tame run`, once the run session launches step kinds."""

    def test_pipeline_deploys_and_checks(self):
        with AppServer([(200, "ok")]) as app:
            pipeline = os.path.join(self.dir, "pipeline.json")
            with open(pipeline, "w") as f:
                json.dump({"version": 1, "name": "ship", "steps": [
                    {"id": "deploy", "uses": "k8s.deploy",
                     "with": {"image": "reg/iris:1", "name": "iris"}},
                    {"id": "smoke", "uses": "http.check",
                     "with": {"url": app.url + "/healthz", "contains": "ok"}},
                    {"id": "report", "uses": "shell", "needs": ["deploy"],
                     "with": {"run": "echo revision=${{ steps.deploy.outputs.revision }}"}}]}, f)
            env = {k: v for k, v in os.environ.items() if not k.startswith(("KUBE", "TAME_"))}
            env.update(KUBECONFIG=self.kubeconfig, HOME=self.dir)
            r = subprocess.run([TAME, "run", pipeline], cwd=self.dir, env=env,
                               capture_output=True, text=True, timeout=60)
        if "cannot run yet" in r.stdout + r.stderr:
            self.skipTest("SKIPPED LOUDLY: `tame run` does not launch step kinds yet")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("revision=1", r.stdout + "".join(
            read(os.path.join(root, name))
            for root, _, names in os.walk(os.path.join(self.dir, ".tame"))
            for name in names if name == "report.log"))


def main():
    global TAME, SOURCE, SIM
    TAME, SOURCE = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    SIM = start_simulator()
    try:
        program = unittest.main(argv=[sys.argv[0]] + sys.argv[3:], exit=False, verbosity=2)
    finally:
        SIM["proc"].terminate()
        try:
            SIM["proc"].wait(timeout=10)
        except subprocess.TimeoutExpired:
            SIM["proc"].kill()
        shutil.rmtree(SIM["dir"], ignore_errors=True)
    sys.exit(0 if program.result.wasSuccessful() else 1)


if __name__ == "__main__":
    main()
