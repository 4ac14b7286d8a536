"""k8s.deploy on real clusters' terms: kubeconfig exec credential plugins
(v1 and v1beta1, token and certificate, expiry, a 401, a missing command),
auth-provider refused, the context and kubeconfig params, the cluster's
proxy-url through Debian's tinyproxy (HTTP CONNECT) and microsocks (socks5),
and tls-server-name. Against the Kubernetes API simulator in
tests/k8s_simulator/ (a simulator, not an API server).

Run by ctest: k8s_clusters_test.py TAME SOURCE_DIR.
"""
import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import k8s_test as base  # noqa: E402  (the simulator and step helpers)
from k8s_test import control, lines, read, step  # noqa: E402

PLUGIN = r'''#!/usr/bin/env python3
# A credential plugin as the tests write it: prints an ExecCredential,
# counts its calls, and says what it was given on stderr.
import json, os, sys
state = os.path.join(os.path.dirname(os.path.abspath(__file__)), "calls")
calls = int(open(state).read()) + 1 if os.path.exists(state) else 1
open(state, "w").write(str(calls))
info = json.loads(os.environ["KUBERNETES_EXEC_INFO"])
open(state + ".info", "w").write(json.dumps(info))
open(state + ".argv", "w").write(json.dumps(sys.argv[1:] + [os.environ.get("PLUGIN_MODE", "")]))
mode = os.environ.get("PLUGIN_MODE", "token")
version = os.environ.get("PLUGIN_VERSION", info["apiVersion"])
status = {}
if mode == "token":
    tokens = os.environ.get("PLUGIN_TOKENS", "tame-test-token").split(",")
    status["token"] = tokens[min(calls, len(tokens)) - 1]
    sys.stderr.write("issued token %s\n" % status["token"])
elif mode == "cert":
    status["clientCertificateData"] = open(os.environ["PLUGIN_CERT"]).read()
    status["clientKeyData"] = open(os.environ["PLUGIN_KEY"]).read()
elif mode == "cert-only":
    status["clientCertificateData"] = open(os.environ["PLUGIN_CERT"]).read()
if "PLUGIN_EXPIRES" in os.environ:
    status["expirationTimestamp"] = os.environ["PLUGIN_EXPIRES"]
print(json.dumps({"apiVersion": version, "kind": "ExecCredential", "status": status}))
'''


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_daemon(argv, log_path, port):
    log = open(log_path, "w")
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    for _ in range(200):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError("%s did not start: %s" % (argv[0], read(log_path)))


def stop(proc):
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class ClusterCase(base.SimulatorCase):
    def exec_kubeconfig(self, version="v1", extra="", cluster_extra="", name="kubeconfig"):
        plugin = os.path.join(self.dir, "plugin.py")
        with open(plugin, "w") as f:
            f.write(PLUGIN)
        os.chmod(plugin, 0o755)
        user = ("    exec:\n      apiVersion: client.authentication.k8s.io/%s\n"
                "      command: ./plugin.py\n      args: [\"--cluster\", \"sim one\"]\n"
                "      env:\n      - name: PLUGIN_FROM_KUBECONFIG\n        value: \"yes\"\n"
                "      interactiveMode: IfAvailable\n      provideClusterInfo: true\n%s"
                % (version, extra))
        cluster = "    certificate-authority-data: %s\n%s" % (base.b64(base.SIM["pki"]["ca_crt"]),
                                                           cluster_extra)
        self.kubeconfig = base.kubeconfig(self.dir, name=name, cluster=cluster, user=user)
        return plugin

    def calls(self):
        path = os.path.join(self.dir, "calls")
        return int(read(path)) if os.path.exists(path) else 0

    def users(self):
        return sorted({q["user"] for q in control("/_simulator/requests")})


class ExecPluginTest(ClusterCase):
    def test_v1_token_with_args_env_and_cluster_info(self):
        self.exec_kubeconfig("v1")
        r, outputs = self.deploy({"image": "reg/iris:1", "name": "iris"})
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertEqual(outputs["revision"], "1")
        self.assertIn("credential: exec plugin ./plugin.py (client.authentication.k8s.io/v1), "
                      "kept in memory only", lines(r))
        # The plugin's stderr is in the log, the token masked.
        self.assertIn("./plugin.py: issued token ***", lines(r))
        self.assertNotIn(base.TOKEN, r.stdout + r.stderr)
        self.assertEqual(self.calls(), 1)  # one run for every request of the step
        info = json.loads(read(os.path.join(self.dir, "calls.info")))
        self.assertEqual(info["apiVersion"], "client.authentication.k8s.io/v1")
        self.assertEqual(info["kind"], "ExecCredential")
        self.assertEqual(info["spec"]["interactive"], False)
        self.assertEqual(info["spec"]["cluster"]["server"], base.SIM["url"])
        self.assertEqual(info["spec"]["cluster"]["certificate-authority-data"],
                         base.b64(base.SIM["pki"]["ca_crt"]))
        self.assertEqual(json.loads(read(os.path.join(self.dir, "calls.argv"))),
                         ["--cluster", "sim one", ""])
        self.assertEqual(self.users(), ["ci"])
        # Nothing of the credential is written in the workspace.
        for root, _, names in os.walk(os.path.join(self.dir, ".tame")):
            for n in names:
                self.assertNotIn(base.TOKEN, read(os.path.join(root, n)))

    def test_v1beta1_client_certificate(self):
        self.exec_kubeconfig("v1beta1")
        r, _ = self.deploy({"image": "reg/iris:1", "name": "iris"}, env={
            "PLUGIN_MODE": "cert", "PLUGIN_CERT": base.SIM["pki"]["client_crt"],
            "PLUGIN_KEY": base.SIM["pki"]["client_key"]})
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertEqual(self.users(), ["ci-cert"])

    def test_certificate_without_key_is_an_error(self):
        self.exec_kubeconfig("v1")
        r, _ = self.deploy({"image": "reg/iris:1", "name": "iris"}, env={
            "PLUGIN_MODE": "cert-only", "PLUGIN_CERT": base.SIM["pki"]["client_crt"]})
        self.assertEqual(r.returncode, 3, r.stdout)
        self.assertEqual(lines(r)[-1], 'cannot read Deployment "iris": exec plugin "./plugin.py" '
                         'of kubeconfig user "ci" printed clientCertificateData without '
                         'clientKeyData')

    def test_wrong_api_version_is_an_error(self):
        self.exec_kubeconfig("v1")
        r, _ = self.deploy({"image": "reg/iris:1", "name": "iris"}, env={
            "PLUGIN_VERSION": "client.authentication.k8s.io/v1beta1"})
        self.assertEqual(r.returncode, 3, r.stdout)
        self.assertEqual(lines(r)[-1], 'cannot read Deployment "iris": exec plugin "./plugin.py" '
                         'of kubeconfig user "ci" printed an ExecCredential of apiVersion '
                         '"client.authentication.k8s.io/v1beta1", but the kubeconfig asks for '
                         '"client.authentication.k8s.io/v1"')

    def test_expired_credential_runs_the_plugin_again(self):
        self.exec_kubeconfig("v1")
        r, _ = self.deploy({"image": "reg/iris:1", "name": "iris"},
                           env={"PLUGIN_EXPIRES": "2020-01-01T00:00:00Z"})
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertGreater(self.calls(), 1)
        os.unlink(os.path.join(self.dir, "calls"))
        r, _ = self.deploy({"image": "reg/iris:2", "name": "iris"},
                           env={"PLUGIN_EXPIRES": "2999-01-01T00:00:00+02:00"})
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertEqual(self.calls(), 1)

    def test_a_401_runs_the_plugin_once_more(self):
        self.exec_kubeconfig("v1")
        r, _ = self.deploy({"image": "reg/iris:1", "name": "iris"},
                           env={"PLUGIN_TOKENS": "revoked-token," + base.TOKEN})
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertEqual(self.calls(), 2)
        self.assertIn("the API refused the exec plugin's credential (401); running the plugin "
                      "again", lines(r))
        os.unlink(os.path.join(self.dir, "calls"))
        r, _ = self.deploy({"image": "reg/iris:1", "name": "iris"},
                           env={"PLUGIN_TOKENS": "revoked-token"})
        self.assertEqual(r.returncode, 3, r.stdout)
        self.assertEqual(self.calls(), 2)
        self.assertEqual(lines(r)[-1], 'cannot read Deployment "iris": the credential from exec '
                         'plugin "./plugin.py" of kubeconfig user "ci" was refused (401 '
                         'Unauthorized) by the Kubernetes API at %s (kubeconfig cluster '
                         '"simulator")' % base.SIM["url"])

    def test_missing_command_prints_the_install_hint(self):
        self.kubeconfig = base.kubeconfig(self.dir, user=(
            "    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n"
            "      command: aws\n      args: [eks, get-token, --cluster-name, prod]\n"
            "      installHint: |\n        aws is needed to log in to EKS: install the AWS CLI "
            "v2\n"))
        r, _ = self.deploy({"image": "reg/iris:1", "name": "iris"},
                           env={"PATH": "/usr/bin:/bin"})
        self.assertEqual(r.returncode, 3, r.stdout)
        self.assertEqual(lines(r)[-1], 'cannot read Deployment "iris": exec plugin "aws" of '
                         'kubeconfig user "ci": aws was not found on PATH; aws is needed to log in '
                         'to EKS: install the AWS CLI v2')

    def test_interactive_always_and_auth_provider_are_refused(self):
        self.exec_kubeconfig("v1", extra="")
        text = read(self.kubeconfig).replace("IfAvailable", "Always")
        with open(self.kubeconfig, "w") as f:
            f.write(text)
        r, _ = self.deploy({"image": "reg/iris:1", "name": "iris"})
        self.assertEqual(r.returncode, 3)
        self.assertEqual(lines(r)[-1], 'k8s.deploy: kubeconfig %s: user "ci": exec: '
                         'interactiveMode is Always, but tame never prompts: the plugin must get '
                         'its credential without a terminal (set interactiveMode: IfAvailable or '
                         'Never, and log in before the run)' % self.kubeconfig)
        self.kubeconfig = base.kubeconfig(self.dir, user=(
            "    auth-provider:\n      name: gcp\n      config: {}\n"))
        r, _ = self.deploy({"image": "reg/iris:1", "name": "iris"})
        self.assertEqual(r.returncode, 3)
        self.assertEqual(lines(r)[-1], 'k8s.deploy: kubeconfig %s: user "ci" uses auth-provider '
                         '"gcp", which kubectl no longer supports and tame does not run; replace '
                         'it with its exec plugin: gke-gcloud-auth-plugin (`gcloud components '
                         'install gke-gcloud-auth-plugin`, then `gcloud container clusters '
                         'get-credentials` writes the exec entry)' % self.kubeconfig)


class ContextParamTest(ClusterCase):
    def test_context_and_kubeconfig_params(self):
        path = os.path.join(self.dir, "clusters.yaml")
        ca = base.b64(base.SIM["pki"]["ca_crt"])
        with open(path, "w") as f:
            f.write("apiVersion: v1\nkind: Config\ncurrent-context: broken\nclusters:\n"
                    "- name: sim\n  cluster:\n    server: %s\n    certificate-authority-data: %s\n"
                    "contexts:\n- name: broken\n  context: {cluster: sim, user: nobody}\n"
                    "- name: staging\n  context: {cluster: sim, user: ci, namespace: staging}\n"
                    "users:\n- name: ci\n  user:\n    token: %s\n"
                    % (base.SIM["url"], ca, base.TOKEN))
        r, outputs = step("k8s.deploy", {"image": "reg/iris:1", "name": "iris",
                                         "kubeconfig": "clusters.yaml", "context": "staging"},
                          self.dir)
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertIn('Kubernetes API %s (context "staging" of kubeconfig %s)'
                      % (base.SIM["url"], path), lines(r))
        r, _ = step("k8s.deploy", {"image": "reg/iris:1", "name": "iris",
                                   "kubeconfig": "clusters.yaml", "context": "prod"}, self.dir)
        self.assertEqual(r.returncode, 3)
        self.assertEqual(lines(r)[-1], 'k8s.deploy: kubeconfig %s: context "prod" is not '
                         'defined' % path)
        r, _ = step("k8s.deploy", {"image": "reg/iris:1", "name": "iris",
                                   "kubeconfig": "nope.yaml"}, self.dir)
        self.assertEqual(lines(r)[-1], "k8s.deploy: kubeconfig %s does not exist"
                         % os.path.join(self.dir, "nope.yaml"))


class ProxyTest(ClusterCase):
    @classmethod
    def setUpClass(cls):
        cls.folder = tempfile.mkdtemp(prefix="tame-proxies-")
        cls.procs = []
        tinyproxy, microsocks = shutil.which("tinyproxy"), shutil.which("microsocks")
        if tinyproxy is None or microsocks is None:
            raise unittest.SkipTest("SKIPPED LOUDLY: tinyproxy or microsocks is not installed "
                                    "(scripts/setup.sh installs both)")
        cls.http_port, cls.socks_port = free_port(), free_port()
        cls.tinyproxy_log = os.path.join(cls.folder, "tinyproxy.log")
        conf = os.path.join(cls.folder, "tinyproxy.conf")
        with open(conf, "w") as f:
            f.write("Listen 127.0.0.1\nPort %d\nAllow 127.0.0.1\nLogFile \"%s\"\nLogLevel Info\n"
                    "MaxClients 20\nTimeout 60\nConnectPort %d\n"
                    % (cls.http_port, cls.tinyproxy_log, base.SIM["port"]))
        cls.procs.append(start_daemon([tinyproxy, "-d", "-c", conf],
                                      os.path.join(cls.folder, "tinyproxy.out"), cls.http_port))
        cls.socks_log = os.path.join(cls.folder, "microsocks.log")
        cls.procs.append(start_daemon([microsocks, "-i", "127.0.0.1", "-p", str(cls.socks_port)],
                                      cls.socks_log, cls.socks_port))

    @classmethod
    def tearDownClass(cls):
        for proc in cls.procs:
            stop(proc)
        shutil.rmtree(cls.folder, ignore_errors=True)

    def kubeconfig_with(self, cluster_extra):
        cluster = "    certificate-authority-data: %s\n%s" % (base.b64(base.SIM["pki"]["ca_crt"]),
                                                           cluster_extra)
        self.kubeconfig = base.kubeconfig(self.dir, cluster=cluster)

    def test_http_proxy_url_carries_every_request(self):
        before = read(self.tinyproxy_log).count("CONNECT 127.0.0.1:%d" % base.SIM["port"])
        self.kubeconfig_with("    proxy-url: http://127.0.0.1:%d\n" % self.http_port)
        r, outputs = self.deploy({"image": "reg/iris:1", "name": "iris"})
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertIn("through proxy http://127.0.0.1:%d" % self.http_port, lines(r))
        after = read(self.tinyproxy_log).count("CONNECT 127.0.0.1:%d" % base.SIM["port"])
        self.assertGreaterEqual(after - before, 1, read(self.tinyproxy_log))

    def test_socks5_proxy_url(self):
        self.kubeconfig_with("    proxy-url: socks5://127.0.0.1:%d\n" % self.socks_port)
        before = read(self.socks_log).count("client[")
        r, _ = self.deploy({"image": "reg/iris:1", "name": "iris"})
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertGreater(read(self.socks_log).count("client["), before, read(self.socks_log))

    def test_environment_proxy_and_no_proxy(self):
        # Without proxy-url, the environment's proxy applies as libcurl reads
        # it, loopback included, unless NO_PROXY names the host.
        self.kubeconfig_with("")
        proxy = "http://127.0.0.1:%d" % self.http_port
        marker = "CONNECT 127.0.0.1:%d" % base.SIM["port"]
        before = read(self.tinyproxy_log).count(marker)
        r, _ = self.deploy({"image": "reg/iris:1", "name": "iris"},
                           env={"HTTPS_PROXY": proxy, "https_proxy": proxy})
        self.assertEqual(r.returncode, 0, r.stdout)
        middle = read(self.tinyproxy_log).count(marker)
        self.assertGreater(middle, before)
        r, _ = self.deploy({"image": "reg/iris:2", "name": "iris"},
                           env={"HTTPS_PROXY": proxy, "https_proxy": proxy,
                                "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"})
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertEqual(read(self.tinyproxy_log).count(marker), middle)

    def test_http_check_follows_the_environment_proxies(self):
        proxy = "http://127.0.0.1:%d" % self.http_port
        with base.AppServer([(200, "ok")]) as app:
            marker = "GET %s/healthz" % app.url
            before = read(self.tinyproxy_log).count(marker)
            r, outputs = step("http.check", {"url": app.url + "/healthz"}, self.dir,
                              {"http_proxy": proxy})
            self.assertEqual(r.returncode, 0, r.stdout)
            middle = read(self.tinyproxy_log).count(marker)
            self.assertEqual(middle - before, 1, read(self.tinyproxy_log))
            r, _ = step("http.check", {"url": app.url + "/healthz"}, self.dir,
                        {"http_proxy": proxy, "NO_PROXY": "127.0.0.1"})
            self.assertEqual(r.returncode, 0, r.stdout)
            self.assertEqual(read(self.tinyproxy_log).count(marker), middle)

    def test_doctor_names_a_proxy_that_refuses(self):
        # tinyproxy allows CONNECT to the simulator's port only.
        closed = free_port()
        base.kubeconfig(self.dir, name="via-proxy", server="https://127.0.0.1:%d" % closed,
                        cluster="    proxy-url: http://127.0.0.1:%d\n" % self.http_port)
        path = os.path.join(self.dir, "pipeline.json")
        with open(path, "w") as f:
            json.dump({"version": 1, "name": "p", "steps": [
                {"id": "deploy", "uses": "k8s.deploy",
                 "with": {"image": "i", "name": "iris", "kubeconfig": "via-proxy"}}]}, f)
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("KUBE", "TAME_")) and "proxy" not in k.lower()}
        r = subprocess.run([base.TAME, "doctor", path], cwd=self.dir, env=env,
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.stdout.splitlines(), [
            'FAIL deploy: kubernetes https://127.0.0.1:%d/version (context "sim"): proxy refused'
            % closed])
        self.assertEqual(r.returncode, 1)

    def test_unreachable_proxy(self):
        self.kubeconfig_with("    proxy-url: http://127.0.0.1:%d\n" % free_port())
        r, _ = self.deploy({"image": "reg/iris:1", "name": "iris"})
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertTrue(lines(r)[-1].startswith('cannot read Deployment "iris": cannot reach '),
                        lines(r)[-1])


class TlsServerNameTest(ClusterCase):
    def test_tls_server_name_is_checked_instead_of_the_address(self):
        # The simulator's certificate names 127.0.0.1 and localhost.
        cluster = "    certificate-authority-data: %s\n" % base.b64(base.SIM["pki"]["ca_crt"])
        self.kubeconfig = base.kubeconfig(self.dir, cluster=cluster +
                                          "    tls-server-name: localhost\n")
        r, _ = self.deploy({"image": "reg/iris:1", "name": "iris"})
        self.assertEqual(r.returncode, 0, r.stdout)
        self.kubeconfig = base.kubeconfig(self.dir, cluster=cluster +
                                          "    tls-server-name: api.example.org\n")
        r, _ = self.deploy({"image": "reg/iris:1", "name": "iris"})
        self.assertEqual(r.returncode, 3, r.stdout)
        self.assertTrue(lines(r)[-1].startswith(
            'cannot read Deployment "iris": the certificate of the Kubernetes API at %s '
            '(kubeconfig cluster "simulator") is for another name than tls-server-name '
            '"api.example.org" (' % base.SIM["url"]), lines(r)[-1])


class ExposeTest(ClusterCase):
    """ingress, autoscale, the url output, deletion when dropped, adoption."""

    PARAMS = {"image": "reg/iris:1", "name": "iris", "resources": {"requests.cpu": "100m"}}

    def get(self, what, name="iris", check=True):
        r = self.kubectl("get", what, name, "-n", "default", "-o", "json", check=check)
        return json.loads(r.stdout) if r.returncode == 0 else None

    def test_ingress_autoscale_and_url(self):
        params = dict(self.PARAMS, replicas=3,
                      ingress={"host": "iris.example.org", "path": "/api", "class": "nginx",
                               "tls_secret": "iris-tls"},
                      autoscale={"min": 2, "max": 10, "cpu": 70})
        r, outputs = self.deploy(params)
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertEqual(outputs["url"], "https://iris.example.org/api")
        self.assertIn("ingress.networking.k8s.io/iris applied (iris.example.org/api)", lines(r))
        self.assertIn("horizontalpodautoscaler.autoscaling/iris applied (2 to 10 pods at 70% CPU)",
                      lines(r))
        # Read back with the real kubectl.
        ingress = self.get("ingress")
        self.assertEqual(ingress["spec"]["ingressClassName"], "nginx")
        self.assertEqual(ingress["spec"]["tls"], [{"hosts": ["iris.example.org"],
                                                   "secretName": "iris-tls"}])
        self.assertEqual(ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"],
                         {"service": {"name": "iris", "port": {"number": 8080}}})
        self.assertEqual(ingress["metadata"]["labels"]["app.kubernetes.io/managed-by"], "tame")
        hpa = self.get("hpa")
        self.assertEqual((hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]), (2, 10))
        self.assertEqual(hpa["spec"]["metrics"][0]["resource"]["target"],
                         {"type": "Utilization", "averageUtilization": 70})
        self.assertEqual(hpa["spec"]["scaleTargetRef"],
                         {"apiVersion": "apps/v1", "kind": "Deployment", "name": "iris"})
        self.assertEqual(self.get("deployment")["spec"]["replicas"], 3)  # seeds a new one
        # Later applies keep what the autoscaler set.
        control("/_simulator/config", {})
        dep = self.get("deployment")
        self.assertEqual(dep["spec"]["replicas"], 3)
        params["replicas"] = 1
        params["image"] = "reg/iris:2"
        r, _ = self.deploy(params)
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertIn("autoscale: replicas stays at the live 3; the autoscaler decides it",
                      lines(r))
        self.assertEqual(self.get("deployment")["spec"]["replicas"], 3)
        # Dropping both deletes what tame made, and says so.
        r, outputs = self.deploy(dict(self.PARAMS, image="reg/iris:3"))
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertIn('ingress "iris" in namespace "default" deleted: the step no longer asks '
                      'for it', lines(r))
        self.assertIn('horizontalpodautoscaler "iris" in namespace "default" deleted: the step '
                      'no longer asks for it', lines(r))
        self.assertEqual(outputs["url"], "http://iris.default.svc:8080")
        self.assertIsNone(self.get("ingress", check=False))
        self.assertIsNone(self.get("hpa", check=False))

    def test_objects_tame_did_not_make_are_left_alone(self):
        r, _ = step("k8s.deploy", dict(self.PARAMS, ingress={"host": "iris.example.org"}),
                    self.dir, {"TAME_K8S_PRINT": "1"})
        obj = json.loads(r.stdout)["items"][-1]
        obj["metadata"]["labels"] = {"team": "web"}
        self.kubectl_apply(obj)
        r, outputs = self.deploy(self.PARAMS)
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertIn('note: ingress "iris" in namespace "default" was not made by tame (no '
                      'app.kubernetes.io/managed-by: tame label); left alone', lines(r))
        self.assertIsNotNone(self.get("ingress"))

    def kubectl_apply(self, obj):
        path = os.path.join(self.dir, "obj.json")
        with open(path, "w") as f:
            json.dump(obj, f)
        self.kubectl("apply", "--server-side", "--force-conflicts", "--field-manager=someone",
                     "--validate=false", "-f", path)

    def test_existing_deployment_with_another_selector_is_adopted(self):
        self.kubectl_apply({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "iris", "namespace": "default", "labels": {"app": "churn"}},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "churn"}},
                     "template": {"metadata": {"labels": {"app": "churn"}},
                                  "spec": {"containers": [{"name": "iris",
                                                           "image": "reg/iris:0"}]}}}})
        self.kubectl_apply({
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "iris", "namespace": "default"},
            "spec": {"selector": {"app": "churn"}, "ports": [{"port": 8080}]}})
        r, outputs = self.deploy(self.PARAMS)
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertIn('adopting deployment "iris": it keeps its selector app=churn (the API '
                      "refuses to change one), and its pods get those labels as well as tame's",
                      lines(r))
        dep = self.get("deployment")
        self.assertEqual(dep["spec"]["selector"], {"matchLabels": {"app": "churn"}})
        self.assertEqual(dep["spec"]["template"]["metadata"]["labels"]["app"], "churn")
        self.assertEqual(dep["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/name"],
                         "iris")
        self.assertEqual(dep["spec"]["template"]["spec"]["containers"][0]["image"], "reg/iris:1")
        svc = self.get("service")
        self.assertEqual(svc["spec"]["selector"], {"app": "churn"})

    def test_a_selector_tame_cannot_adopt_fails_with_what_to_do(self):
        self.kubectl_apply({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "iris", "namespace": "default"},
            "spec": {"selector": {"matchLabels": {"app": "churn"},
                                  "matchExpressions": [{"key": "tier", "operator": "In",
                                                        "values": ["web"]}]},
                     "template": {"metadata": {"labels": {"app": "churn", "tier": "web"}},
                                  "spec": {"containers": [{"name": "iris",
                                                           "image": "reg/iris:0"}]}}}})
        r, _ = self.deploy(self.PARAMS)
        self.assertEqual(r.returncode, 3, r.stdout)
        self.assertEqual(lines(r)[-1], 'k8s.deploy: deployment "iris" exists with a selector of '
                         'matchExpressions, which tame cannot adopt (the API refuses to change a '
                         'selector): delete it (`kubectl delete deployment iris`) or deploy under '
                         'another name')

    def test_selector_change_is_refused_by_the_api(self):
        # The simulator behaves as the API: a selector is immutable (422).
        self.kubectl_apply({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "churn", "namespace": "default"},
            "spec": {"selector": {"matchLabels": {"app": "churn"}},
                     "template": {"metadata": {"labels": {"app": "churn", "v": "2"}},
                                  "spec": {"containers": [{"name": "c", "image": "x"}]}}}})
        path = os.path.join(self.dir, "obj.json")
        obj = json.loads(read(path))
        obj["spec"]["selector"]["matchLabels"]["v"] = "2"
        with open(path, "w") as f:
            json.dump(obj, f)
        r = self.kubectl("apply", "--server-side", "--field-manager=someone", "--validate=false",
                         "-f", path, check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("field is immutable", r.stderr)

    def test_generated_objects_validate_against_the_reference_schemas(self):
        import jsonschema
        folder = os.path.join(base.SOURCE, "..", "shared", "reference-schemas")
        if not os.path.isdir(folder):
            self.skipTest("SKIPPED LOUDLY: %s is missing" % folder)
        schemas = {"Deployment": "k8s-deployment-apps-v1.schema.json",
                   "Service": "k8s-service-v1.schema.json",
                   "Ingress": "k8s-ingress-networking-v1.schema.json",
                   "HorizontalPodAutoscaler": "k8s-hpa-autoscaling-v2.schema.json"}
        with open(os.path.join(self.dir, "k8s.yaml"), "w") as f:
            f.write(base.MANIFEST)
        kinds = []
        for params in (dict(self.PARAMS, ingress={"host": "iris.example.org"},
                            autoscale={"max": 3}),
                       {"image": "reg/iris:1", "name": "iris", "manifest": "k8s.yaml",
                        "ingress": {"host": "a.example.org", "tls_secret": "t"},
                        "autoscale": {"min": 1, "max": 2, "cpu": 50}}):
            r, _ = step("k8s.deploy", params, self.dir, {"TAME_K8S_PRINT": "1"})
            self.assertEqual(r.returncode, 0, r.stdout)
            for obj in json.loads(r.stdout)["items"]:
                validator = jsonschema.Draft7Validator(
                    json.loads(read(os.path.join(folder, schemas[obj["kind"]]))))
                errors = [e.message for e in validator.iter_errors(obj)]
                self.assertEqual(errors, [], obj["kind"])
                kinds.append(obj["kind"])
        self.assertEqual(kinds.count("Ingress"), 2)
        self.assertEqual(kinds.count("HorizontalPodAutoscaler"), 2)


class AccessReviewTest(ClusterCase):
    def review(self, token, verb):
        import ssl
        import urllib.request
        body = {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
                "spec": {"resourceAttributes": {"namespace": "default", "verb": verb,
                                                "group": "apps", "resource": "deployments"}}}
        request = urllib.request.Request(
            base.SIM["url"] + "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
            data=json.dumps(body).encode(), method="POST",
            headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
        context = ssl.create_default_context(cafile=base.SIM["pki"]["ca_crt"])
        with urllib.request.urlopen(request, context=context, timeout=10) as answer:
            return answer.status, json.load(answer)["status"]["allowed"]

    def test_self_subject_access_review(self):
        # JSON only: kubectl sends these as protobuf, which the simulator
        # does not decode (it answers 415, naming the type).
        control("/_simulator/config", {"read_only_users": ["viewer"]})
        self.assertEqual(self.review(base.TOKEN, "patch"), (201, True))
        self.assertEqual(self.review("viewer-token", "patch"), (201, False))
        self.assertEqual(self.review("viewer-token", "get"), (201, True))


class DoctorTest(ClusterCase):
    def test_reachable_and_unreachable_endpoints(self):
        closed = free_port()
        ca = base.b64(base.SIM["pki"]["ca_crt"])
        good = base.kubeconfig(self.dir, name="good")
        untrusted = base.kubeconfig(self.dir, name="untrusted", cluster=(
            "    certificate-authority-data: %s\n" % base.b64(base.SIM["pki"]["other_ca_crt"])))
        viewer = base.kubeconfig(self.dir, name="viewer", user="    token: viewer-token\n")
        down = base.kubeconfig(self.dir, name="down", server="https://127.0.0.1:%d" % closed)
        wrong_name = base.kubeconfig(self.dir, name="wrong-name", cluster=(
            "    certificate-authority-data: %s\n    tls-server-name: api.example.org\n" % ca))
        control("/_simulator/config", {"read_only_users": ["viewer"]})
        repo = os.path.join(self.dir, "model.git")
        subprocess.run(["git", "init", "-q", "--bare", repo], check=True)

        def deploy(step_id, kubeconfig):
            return {"id": step_id, "uses": "k8s.deploy",
                    "with": {"image": "reg/iris:1", "name": "iris", "kubeconfig": kubeconfig}}
        with base.AppServer([(200, "ok")]) as app:
            pipeline = {"version": 1, "name": "doctor", "params": {
                "hook": {"type": "string", "default": "x"}},
                "secrets": {"HOOK": {"from": "env"}, "DOWN_HOOK": {"from": "env"}},
                "steps": [
                    {"id": "checkout", "uses": "git.checkout", "with": {"repo": repo}},
                    {"id": "unreachable-git", "uses": "git.checkout",
                     "with": {"repo": "http://127.0.0.1:%d/model.git" % closed}},
                    {"id": "push", "uses": "docker.push",
                     "with": {"image": "127.0.0.1:%d/iris:1" % closed}},
                    deploy("prod", "good"), deploy("untrusted", "untrusted"),
                    deploy("viewer", "viewer"), deploy("down", "down"),
                    deploy("wrong-name", "wrong-name"),
                    {"id": "tell", "uses": "notify",
                     "with": {"webhook": "${{ secrets.HOOK }}", "message": "hi"}},
                    {"id": "tell-down", "uses": "notify",
                     "with": {"webhook": "${{ secrets.DOWN_HOOK }}", "message": "hi"}}]}
            path = os.path.join(self.dir, "pipeline.json")
            with open(path, "w") as f:
                json.dump(pipeline, f)
            env = {k: v for k, v in os.environ.items()
                   if not k.startswith(("KUBE", "TAME_")) and "proxy" not in k.lower()}
            env.update(HOME=self.dir, DOCKER_HOST="unix://%s/no-docker.sock" % self.dir,
                       HOOK=app.url + "/hook/SECRET-PATH",
                       DOWN_HOOK="http://127.0.0.1:%d/x" % closed)
            before = app.hits
            r = subprocess.run([base.TAME, "doctor", path], cwd=self.dir, env=env,
                               capture_output=True, text=True, timeout=120)
            server = base.SIM["url"]
            self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
            self.assertEqual(r.stdout.splitlines(), [
                "ok   checkout: git ls-remote %s" % repo,
                "FAIL unreachable-git: git ls-remote http://127.0.0.1:%d/model.git: connection "
                "refused" % closed,
                "FAIL push: docker engine unix://%s/no-docker.sock (ping, version): connection "
                "refused" % self.dir,
                "FAIL push: registry http://127.0.0.1:%d/v2/: connection refused" % closed,
                'ok   prod: kubernetes %s/version (context "sim")' % server,
                'ok   prod: kubernetes namespace "default" (context "sim")',
                'ok   prod: kubernetes may patch deployments in "default" (context "sim")',
                'FAIL untrusted: kubernetes %s/version (context "sim"): certificate not trusted'
                % server,
                'ok   viewer: kubernetes %s/version (context "sim")' % server,
                'ok   viewer: kubernetes namespace "default" (context "sim")',
                'FAIL viewer: kubernetes may patch deployments in "default" (context "sim"): '
                'forbidden (403)',
                'FAIL down: kubernetes https://127.0.0.1:%d/version (context "sim"): connection '
                'refused' % closed,
                'FAIL wrong-name: kubernetes %s/version (context "sim"): certificate is for '
                'another name' % server,
                "ok   tell: webhook connect %s" % app.url,
                "FAIL tell-down: webhook connect http://127.0.0.1:%d: connection refused" % closed,
            ])
            self.assertNotIn("SECRET-PATH", r.stdout + r.stderr)
            self.assertEqual(app.hits, before)  # nothing was posted
            # Nothing was changed: only reads and access reviews reached the API.
            methods = {(q["method"], q["path"].split("/")[-1])
                       for q in control("/_simulator/requests")}
            self.assertEqual({m for m, _ in methods}, {"GET", "POST"})
            self.assertEqual({p for m, p in methods if m == "POST"}, {"selfsubjectaccessreviews"})
            r = subprocess.run([base.TAME, "doctor", path, "--json"], cwd=self.dir, env=env,
                               capture_output=True, text=True, timeout=120)
            found = json.loads(r.stdout)
            self.assertEqual(found[0], {"step": "checkout", "kind": "git",
                                        "target": "ls-remote " + repo, "ok": True,
                                        "problem": None})
            self.assertEqual(found[-1]["problem"], "connection refused")
            self.assertEqual(r.returncode, 1)
        with open(path, "w") as f:
            f.write("{")
        r = subprocess.run([base.TAME, "doctor", path], cwd=self.dir, env=env,
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 2)


def main():
    base.TAME, base.SOURCE = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    base.SIM = base.start_simulator()
    try:
        program = unittest.main(argv=[sys.argv[0]] + sys.argv[3:], exit=False, verbosity=2)
    finally:
        base.SIM["proc"].terminate()
        try:
            base.SIM["proc"].wait(timeout=10)
        except subprocess.TimeoutExpired:
            base.SIM["proc"].kill()
        shutil.rmtree(base.SIM["dir"], ignore_errors=True)
    sys.exit(0 if program.result.wasSuccessful() else 1)


if __name__ == "__main__":
    main()
