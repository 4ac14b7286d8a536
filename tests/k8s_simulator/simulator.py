#!/usr/bin/env python3
"""Kubernetes API simulator for tame's tests. It is NOT a Kubernetes API
server: it answers the subset of the API that k8s.deploy calls, and that the
real kubectl needs to read what tame deployed, in the API's own shapes.

  discovery       /version, /api, /apis, /api/v1, /apis/apps/v1
  namespaces      GET one, list
  deployments     server-side apply (PATCH application/apply-patch+yaml), GET,
                  list and watch (fieldSelector metadata.name, labelSelector)
  services        server-side apply, GET, list
  replicasets     GET, list, made and numbered by a simulated controller
  ingresses       networking.k8s.io/v1: server-side apply, GET, list, DELETE
  hpa             autoscaling/v2 HorizontalPodAutoscalers: the same
  DELETE          of Deployments (with their ReplicaSets), Services, Ingresses, HPAs
  access reviews  POST authorization.k8s.io/v1 selfsubjectaccessreviews
  authentication  bearer tokens, client certificates signed by the CA
  authorization   every user may do everything, except read-only users

Rollouts progress one step per tick (--tick, 50 ms by default). Failures on
demand come from the control endpoint, which is not part of the API:

  POST /_simulator/config  JSON, any of
      bad_images: [text...]   pods of images containing one never become available
      deadline: seconds       replaces every spec.progressDeadlineSeconds
      delay: seconds          every API answer waits this long first
      fail: [{method, path, status, message, count, skip}]
                              answer matching requests (path: a substring) with
                              `status` and `message`, `count` times (-1: always),
                              after letting `skip` of them through
      tokens: {token: user}   replaces the accepted bearer tokens
      read_only_users: [user] users allowed only get, list and watch (else 403)
      namespaces: [name]      replaces the namespaces
  POST /_simulator/reset   back to the start (objects, config, request log)
  GET  /_simulator/requests  the API requests received so far

Endpoints are computed, not stored: a Service's ready pods are those of
every ReplicaSet its selector matches, so several Deployments can stand
behind one Service (a canary and its stable version).

Run by hand:
  python3 tests/k8s_simulator/simulator.py --pki /tmp/sim --kubeconfig /tmp/sim/kubeconfig
"""
import argparse
import base64
import json
import os
import re
import socket
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from objects import ApiError, Store  # noqa: E402
from pki import make_pki  # noqa: E402

try:
    import yaml  # Debian's python3-yaml; only for apply bodies that are not JSON
except ImportError:  # pragma: no cover
    yaml = None

VERSION = {"major": "1", "minor": "32", "gitVersion": "v1.32.0-tame-simulator",
           "gitCommit": "0000000000000000000000000000000000000000", "gitTreeState": "clean",
           "buildDate": "2025-01-01T00:00:00Z", "goVersion": "go1.23.0", "compiler": "gc",
           "platform": "linux/amd64"}

RESOURCES = {
    "v1": [
        {"name": "namespaces", "singularName": "namespace", "namespaced": False,
         "kind": "Namespace", "verbs": ["get", "list"], "shortNames": ["ns"]},
        {"name": "services", "singularName": "service", "namespaced": True, "kind": "Service",
         "verbs": ["get", "list", "patch", "delete"], "shortNames": ["svc"],
         "categories": ["all"]},
        {"name": "endpoints", "singularName": "endpoints", "namespaced": True,
         "kind": "Endpoints", "verbs": ["get"], "shortNames": ["ep"]},
    ],
    "networking.k8s.io/v1": [
        {"name": "ingresses", "singularName": "ingress", "namespaced": True, "kind": "Ingress",
         "verbs": ["get", "list", "patch", "delete"], "shortNames": ["ing"]},
    ],
    "autoscaling/v2": [
        {"name": "horizontalpodautoscalers", "singularName": "horizontalpodautoscaler",
         "namespaced": True, "kind": "HorizontalPodAutoscaler",
         "verbs": ["get", "list", "patch", "delete"], "shortNames": ["hpa"],
         "categories": ["all"]},
    ],
    "authorization.k8s.io/v1": [
        {"name": "selfsubjectaccessreviews", "singularName": "selfsubjectaccessreview",
         "namespaced": False, "kind": "SelfSubjectAccessReview", "verbs": ["create"]},
    ],
    "apps/v1": [
        {"name": "deployments", "singularName": "deployment", "namespaced": True,
         "kind": "Deployment", "verbs": ["get", "list", "patch", "watch", "delete"],
         "shortNames": ["deploy"], "categories": ["all"]},
        {"name": "replicasets", "singularName": "replicaset", "namespaced": True,
         "kind": "ReplicaSet", "verbs": ["get", "list", "watch"], "shortNames": ["rs"],
         "categories": ["all"]},
    ],
}
GROUP = {"deployments": "apps", "replicasets": "apps", "services": "", "namespaces": "",
         "ingresses": "networking.k8s.io", "horizontalpodautoscalers": "autoscaling"}
KINDS = {"deployments": ("apps/v1", "DeploymentList"), "replicasets": ("apps/v1", "ReplicaSetList"),
         "services": ("v1", "ServiceList"),
         "ingresses": ("networking.k8s.io/v1", "IngressList"),
         "horizontalpodautoscalers": ("autoscaling/v2", "HorizontalPodAutoscalerList")}
APPLIED = ("deployments", "services", "ingresses", "horizontalpodautoscalers")

ROUTES = [
    (re.compile(r"^/api/v1/namespaces/?$"), "namespaces", False),
    (re.compile(r"^/api/v1/namespaces/(?P<name>[^/]+)$"), "namespaces", False),
    (re.compile(r"^/api/v1/(?:namespaces/(?P<ns>[^/]+)/)?services(?:/(?P<name>[^/]+))?$"),
     "services", True),
    (re.compile(r"^/api/v1/namespaces/(?P<ns>[^/]+)/endpoints/(?P<name>[^/]+)$"),
     "endpoints", True),
    (re.compile(r"^/apis/apps/v1/(?:namespaces/(?P<ns>[^/]+)/)?"
                r"(?P<resource>deployments|replicasets)(?:/(?P<name>[^/]+))?$"), None, True),
    (re.compile(r"^/apis/networking\.k8s\.io/v1/(?:namespaces/(?P<ns>[^/]+)/)?"
                r"(?P<resource>ingresses)(?:/(?P<name>[^/]+))?$"), None, True),
    (re.compile(r"^/apis/autoscaling/v2/(?:namespaces/(?P<ns>[^/]+)/)?"
                r"(?P<resource>horizontalpodautoscalers)(?:/(?P<name>[^/]+))?$"), None, True),
]
DISCOVERY = {"/apis/apps": "apps/v1", "/apis/networking.k8s.io": "networking.k8s.io/v1",
             "/apis/autoscaling": "autoscaling/v2",
             "/apis/authorization.k8s.io": "authorization.k8s.io/v1"}

DEFAULT_MESSAGES = {
    409: 'Operation cannot be fulfilled on {what}: the object has been modified; please apply '
         'your changes to the latest version and try again',
    500: "Internal error occurred: simulated failure",
    503: "the server is currently unable to handle the request",
}
REASONS = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound",
           405: "MethodNotAllowed", 409: "Conflict", 415: "UnsupportedMediaType",
           422: "Invalid", 429: "TooManyRequests", 500: "InternalError",
           503: "ServiceUnavailable", 504: "Timeout"}


class Simulator:
    """The state behind the handler: objects, settings, the request log."""

    def __init__(self, tick, tokens):
        self.store = Store(tick)
        self.lock = threading.Lock()
        self.initial_tokens = dict(tokens)
        self.reset()

    def reset(self):
        self.store.reset()
        with self.lock:
            self.tokens = dict(self.initial_tokens)
            self.read_only = set()
            self.delay = 0.0
            self.failures = []
            self.requests = []

    def configure(self, config):
        with self.lock:
            if "tokens" in config:
                self.tokens = dict(config["tokens"])
            if "read_only_users" in config:
                self.read_only = set(config["read_only_users"])
            if "delay" in config:
                self.delay = float(config["delay"])
            if "fail" in config:
                self.failures = [dict(rule) for rule in config["fail"]]
        with self.store.changed:
            if "bad_images" in config:
                self.store.bad_images = list(config["bad_images"])
            if "deadline" in config:
                self.store.deadline = config["deadline"]
        if "namespaces" in config:
            self.store.set_namespaces(config["namespaces"])

    def injected_failure(self, method, path):
        with self.lock:
            for rule in self.failures:
                if rule.get("count", 1) == 0:
                    continue
                if rule.get("method", method) != method or rule.get("path", "") not in path:
                    continue
                if rule.get("skip", 0) > 0:
                    rule["skip"] -= 1
                    continue
                if rule.get("count", 1) > 0:
                    rule["count"] = rule.get("count", 1) - 1
                return rule
        return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "tame-k8s-simulator"

    def log_message(self, fmt, *args):
        sys.stdout.write("%s %s\n" % (time.strftime("%H:%M:%S"), fmt % args))
        sys.stdout.flush()

    @property
    def sim(self):
        return self.server.sim

    # Answers.

    def send_json(self, code, body, extra_headers=()):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in extra_headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def send_error_status(self, error):
        self.send_json(error.code, error.status())

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    # Entry points.

    def do_GET(self):
        self.dispatch("GET")

    def do_PATCH(self):
        self.dispatch("PATCH")

    def do_POST(self):
        self.dispatch("POST")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def dispatch(self, method):
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        body = self.read_body()
        if url.path.startswith("/_simulator/"):
            return self.control(method, url.path, body)
        try:
            user = self.authenticate()
            with self.sim.lock:
                self.sim.requests.append({
                    "method": method, "path": url.path, "query": query, "user": user,
                    "content_type": self.headers.get("Content-Type", ""),
                    "accept": self.headers.get("Accept", "")})
                delay = self.sim.delay
            if delay:
                time.sleep(delay)
            self.route(method, url.path, query, body, user)
        except ApiError as error:
            self.send_error_status(error)

    def control(self, method, path, body):
        if method == "POST" and path == "/_simulator/reset":
            self.sim.reset()
            return self.send_json(200, {"reset": True})
        if method == "POST" and path == "/_simulator/config":
            try:
                self.sim.configure(json.loads(body or b"{}"))
            except (ValueError, TypeError) as e:
                return self.send_json(400, {"error": str(e)})
            return self.send_json(200, {"configured": True})
        if method == "GET" and path == "/_simulator/requests":
            with self.sim.lock:
                return self.send_json(200, list(self.sim.requests))
        self.send_json(404, {"error": "no such control endpoint"})

    def authenticate(self):
        header = self.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            with self.sim.lock:
                user = self.sim.tokens.get(header[len("Bearer "):])
            if user is not None:
                return user
            raise ApiError(401, "Unauthorized", "Unauthorized")
        cert = self.connection.getpeercert() if hasattr(self.connection, "getpeercert") else None
        if cert:
            for rdn in cert.get("subject", ()):
                for key, value in rdn:
                    if key == "commonName":
                        return value
        raise ApiError(401, "Unauthorized", "Unauthorized")

    def authorize(self, user, verb, resource, ns, name):
        with self.sim.lock:
            read_only = user in self.sim.read_only
        if not read_only or verb in ("get", "list", "watch"):
            return
        group = GROUP.get(resource, "")
        qualified = resource + ("." + group if group else "")
        what = "%s %s" % (qualified, json.dumps(name)) if name else qualified
        raise ApiError(403, "Forbidden",
                       '%s is forbidden: User "%s" cannot %s resource "%s" in API group "%s"%s'
                       % (what, user, verb, resource, group,
                          ' in the namespace "%s"' % ns if ns else ""),
                       {"name": name, "group": group, "kind": resource})

    def route(self, method, path, query, body, user):
        path = path.rstrip("/") or "/"
        if method == "GET" and (path in ("/version", "/api", "/apis", "/api/v1") or
                                path in DISCOVERY or path in DISCOVERY.values() or
                                path[len("/apis/"):] in RESOURCES):
            return self.send_json(200, self.discovery(path))
        if path == "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews":
            if method != "POST":
                raise self.not_allowed(method)
            return self.access_review(user, body)
        for pattern, resource, namespaced in ROUTES:
            match = pattern.match(path)
            if match:
                parts = match.groupdict()
                resource = resource or parts["resource"]
                return self.resource(method, resource, parts.get("ns"), parts.get("name"),
                                     query, body, user)
        raise ApiError(404, "NotFound", "the server could not find the requested resource",
                       {})

    def discovery(self, path):
        if path == "/version":
            return VERSION
        if path == "/api":
            address = "127.0.0.1:%d" % self.server.server_address[1]
            return {"kind": "APIVersions", "versions": ["v1"],
                    "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0",
                                                    "serverAddress": address}]}
        def group(group_version):
            name, version = group_version.split("/")
            gv = {"groupVersion": group_version, "version": version}
            return {"name": name, "versions": [gv], "preferredVersion": gv}
        if path == "/apis":
            return {"kind": "APIGroupList", "apiVersion": "v1",
                    "groups": [group(gv) for gv in DISCOVERY.values()]}
        if path in DISCOVERY:
            return dict(group(DISCOVERY[path]), kind="APIGroup", apiVersion="v1")
        group_version = "v1" if path == "/api/v1" else path[len("/apis/"):]
        return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version,
                "resources": RESOURCES[group_version]}

    def resource(self, method, resource, ns, name, query, body, user):
        store = self.sim.store
        watch = query.get("watch") in ("true", "1")
        verb = {"GET": "watch" if watch else ("get" if name else "list"),
                "PATCH": "patch", "POST": "create", "PUT": "update",
                "DELETE": "delete"}[method]
        self.authorize(user, verb, resource, ns, name)
        rule = self.sim.injected_failure(method, self.path)
        if rule:
            status = int(rule.get("status", 500))
            group = GROUP.get(resource, "")
            what = "%s%s %s" % (resource, "." + group if group else "", json.dumps(name or ""))
            message = rule.get("message") or DEFAULT_MESSAGES.get(status, "simulated failure")
            raise ApiError(status, rule.get("reason", REASONS.get(status, "Unknown")),
                           message.replace("{what}", what),
                           {"name": name or "", "group": group, "kind": resource})
        if resource == "endpoints":
            if method != "GET":
                raise self.not_allowed(method)
            return self.send_json(200, store.endpoints(ns, name))
        if resource == "namespaces":
            if method != "GET":
                raise self.not_allowed(method)
            if name:
                with store.changed:
                    store.require_namespace(name)
                    return self.send_json(200, store.namespaces[name])
            with store.changed:
                items = [store.namespaces[n] for n in sorted(store.namespaces)]
                version = str(store.version)
            return self.send_json(200, {"kind": "NamespaceList", "apiVersion": "v1",
                                        "metadata": {"resourceVersion": version},
                                        "items": items})
        if method == "GET":
            if name:
                return self.send_json(200, self.typed(resource, store.get(resource, ns, name)))
            selector = self.label_selector(query.get("labelSelector", ""))
            only = self.field_name(query.get("fieldSelector", ""))
            if watch:
                return self.watch(resource, ns, selector, only, query)
            items, version = store.list(resource, ns, selector, only)
            api, kind = KINDS[resource]
            return self.send_json(200, {"kind": kind, "apiVersion": api,
                                        "metadata": {"resourceVersion": version},
                                        "items": items})
        if method == "PATCH" and name and resource in APPLIED:
            return self.apply(resource, ns, name, query, body)
        if method == "DELETE" and name and resource in APPLIED:
            return self.send_json(200, store.delete(resource, ns, name))
        raise self.not_allowed(method)

    def access_review(self, user, body):
        """SelfSubjectAccessReview: may this user do this? Read-only users
        may get, list and watch; everyone else may do everything."""
        try:
            review = json.loads(body or b"{}")
        except ValueError:
            raise ApiError(415, "UnsupportedMediaType", "the simulator decodes JSON reviews "
                           "only, not %s" % self.headers.get("Content-Type"))
        attributes = (review.get("spec") or {}).get("resourceAttributes") or {}
        with self.sim.lock:
            read_only = user in self.sim.read_only
        allowed = not read_only or attributes.get("verb") in ("get", "list", "watch")
        status = {"allowed": allowed}
        if not allowed:
            status["reason"] = 'user "%s" may only read' % user
        self.send_json(201, {"kind": "SelfSubjectAccessReview",
                             "apiVersion": "authorization.k8s.io/v1",
                             "metadata": {"creationTimestamp": None},
                             "spec": review.get("spec") or {}, "status": status})

    def not_allowed(self, method):
        return ApiError(405, "MethodNotAllowed", "the simulator implements %s only as server-side "
                        "apply (PATCH application/apply-patch+yaml) of Deployments and Services"
                        % method if method == "PATCH" else
                        "the server does not allow this method on the requested resource")

    @staticmethod
    def typed(resource, obj):
        api, kind = KINDS[resource]
        obj.setdefault("apiVersion", api)
        obj.setdefault("kind", kind[:-len("List")])
        return obj

    @staticmethod
    def label_selector(text):
        selector = {}
        for term in filter(None, text.split(",")):
            key, sep, value = term.partition("=")
            if not sep or key.endswith("!"):
                raise ApiError(400, "BadRequest", "the simulator understands only key=value "
                               "label selectors, not %s" % json.dumps(term))
            selector[key.strip()] = value.lstrip("=").strip()
        return selector

    @staticmethod
    def field_name(text):
        if not text:
            return None
        key, _, value = text.partition("=")
        if key != "metadata.name":
            raise ApiError(400, "BadRequest", 'field label not supported: %s' % key)
        return value.lstrip("=")

    def apply(self, resource, ns, name, query, body):
        content_type = self.headers.get("Content-Type", "").split(";")[0].strip()
        if content_type != "application/apply-patch+yaml":
            raise ApiError(415, "UnsupportedMediaType",
                           "the simulator implements only server-side apply "
                           "(application/apply-patch+yaml), not %s" % (content_type or "no type"))
        manager = query.get("fieldManager", "")
        if not manager:
            raise ApiError(422, "Invalid", "PatchOptions.meta.k8s.io \"\" is invalid: "
                           "fieldManager: Required value: is required for apply patch")
        try:
            obj = json.loads(body)
        except ValueError:
            if yaml is None:
                raise ApiError(400, "BadRequest", "error decoding YAML: not JSON")
            try:
                obj = yaml.safe_load(body)
            except yaml.YAMLError as e:
                raise ApiError(400, "BadRequest", "error decoding YAML: %s" % e)
        if not isinstance(obj, dict):
            raise ApiError(400, "BadRequest", "the apply body must be an object")
        result, created = self.sim.store.apply(resource, ns, name, obj, manager)
        self.send_json(201 if created else 200, result)

    def watch(self, resource, ns, selector, only, query):
        """Streams ADDED/MODIFIED events as the API server does, until
        timeoutSeconds passes or the client goes away."""
        store = self.sim.store
        since = query.get("resourceVersion", "")
        since = int(since) if since.isdigit() else 0
        timeout = min(float(query.get("timeoutSeconds") or 60), 60)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.close_connection = True
        seen = {}
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                items, _ = store.list(resource, ns, selector, only)
                for item in items:
                    key = (item["metadata"]["namespace"], item["metadata"]["name"])
                    version = int(item["metadata"]["resourceVersion"])
                    if version <= max(since, seen.get(key, 0)):
                        continue
                    kind = "ADDED" if key not in seen and since == 0 else "MODIFIED"
                    seen[key] = version
                    event = json.dumps({"type": kind, "object": self.typed(resource, item)})
                    data = (event + "\n").encode()
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                    self.wfile.flush()
                with store.changed:
                    store.changed.wait(0.5)
            self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
            pass


class TlsServer(ThreadingHTTPServer):
    """Each connection's TLS handshake happens on its own thread, so a client
    that refuses the certificate cannot hold up the others."""
    daemon_threads = True

    def __init__(self, address, context, sim):
        self.context, self.sim = context, sim
        super().__init__(address, Handler)

    def finish_request(self, request, client_address):
        # Headers and body leave in separate writes; without NODELAY the
        # second waits for the client's delayed ACK.
        request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        request.settimeout(30)
        try:
            tls = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as e:
            sys.stdout.write("TLS handshake with %s:%d failed: %s\n" % (*client_address, e))
            sys.stdout.flush()
            return
        tls.settimeout(None)
        try:
            self.RequestHandlerClass(tls, client_address, self)
        finally:
            try:
                tls.close()
            except OSError:
                pass


def kubeconfig(server, ca_file, token, user="ci"):
    ca = base64.b64encode(open(ca_file, "rb").read()).decode()
    return ("apiVersion: v1\nkind: Config\nclusters:\n- name: simulator\n  cluster:\n"
            "    server: %s\n    certificate-authority-data: %s\ncontexts:\n- name: simulator\n"
            "  context:\n    cluster: simulator\n    user: %s\ncurrent-context: simulator\n"
            "users:\n- name: %s\n  user:\n    token: %s\n" % (server, ca, user, user, token))


def serve(pki, port=0, tick=0.05, tokens=None):
    """Starts the simulator on 127.0.0.1; returns (server, stop function)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki["server_crt"], pki["server_key"])
    context.verify_mode = ssl.CERT_OPTIONAL
    context.load_verify_locations(pki["ca_crt"])
    sim = Simulator(tick, tokens or {"tame-test-token": "ci"})
    server = TlsServer(("127.0.0.1", port), context, sim)
    stop = threading.Event()
    threads = [threading.Thread(target=server.serve_forever, daemon=True),
               threading.Thread(target=sim.store.run_controller, args=(stop,), daemon=True)]
    for thread in threads:
        thread.start()

    def shutdown():
        stop.set()
        server.shutdown()
        server.server_close()
    return server, shutdown


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pki", required=True, help="folder of the certificates; made when empty")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file", help="write the port here once listening")
    parser.add_argument("--tick", type=float, default=0.05, help="seconds per rollout step")
    parser.add_argument("--token", action="append", default=[],
                        help="TOKEN=USER, an accepted bearer token (default tame-test-token=ci)")
    parser.add_argument("--kubeconfig", help="write a kubeconfig for the simulator here")
    args = parser.parse_args()
    if not os.path.exists(os.path.join(args.pki, "ca.crt")):
        make_pki(args.pki)
    pki = {n.replace(".", "_"): os.path.join(args.pki, n)
           for n in ("ca.crt", "server.crt", "server.key")}
    tokens = dict(t.split("=", 1) for t in args.token) or {"tame-test-token": "ci"}
    server, shutdown = serve(pki, args.port, args.tick, tokens)
    port = server.server_address[1]
    url = "https://127.0.0.1:%d" % port
    if args.kubeconfig:
        token, user = next(iter(tokens.items()))
        with open(args.kubeconfig, "w") as f:
            f.write(kubeconfig(url, pki["ca_crt"], token, user))
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write(str(port))
        os.replace(args.port_file + ".tmp", args.port_file)
    print("Kubernetes API simulator (not a Kubernetes API server) listening on %s" % url,
          flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        shutdown()


if __name__ == "__main__":
    main()
