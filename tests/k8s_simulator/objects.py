"""The object store and the Deployment controller of the Kubernetes API
simulator: server-side apply of apps/v1 Deployments and v1 Services with the
API server's defaults and a subset of its validation, ReplicaSets numbered by
revision, and rollouts that progress one step per tick.

This is a simulator of the API's observable behaviour for tests, not a
Kubernetes implementation. Simplifications: an apply replaces the whole spec
(field ownership is tracked for labels and annotations only); pods are not
objects, a ReplicaSet just counts replicas that become available one tick
after they exist; images listed as bad never become available.
"""
import copy
import datetime
import hashlib
import json
import re
import threading
import time
import uuid

REVISION = "deployment.kubernetes.io/revision"
CHANGE_CAUSE = "kubernetes.io/change-cause"
HASH_LABEL = "pod-template-hash"

DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
SUBDOMAIN_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
                 "characters, '-' or '.', and must start and end with an alphanumeric "
                 "character (e.g. 'example.com', regex used for validation is "
                 "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
LABEL_MSG = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or "
             "'-', and must start and end with an alphanumeric character (e.g. 'my-name',  or "
             "'123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")
DNS1035_MSG = ("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start "
               "with an alphabetic character, and end with an alphanumeric character (e.g. "
               "'my-name',  or 'abc-123', regex used for validation is "
               "'[a-z]([-a-z0-9]*[a-z0-9])?')")


def now_text():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def go_quote(value):
    return json.dumps(value)


class ApiError(Exception):
    """An answer other than success, carried as a metav1.Status."""

    def __init__(self, code, reason, message, details=None):
        super().__init__(message)
        self.code, self.reason, self.message, self.details = code, reason, message, details

    def status(self):
        body = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                "message": self.message, "reason": self.reason, "code": self.code}
        if self.details is not None:
            body["details"] = self.details
        return body


def invalid(kind, group, name, causes):
    """A 422 as the API server words it: Kind.group "name" is invalid: ..."""
    qualified = kind + ("." + group if group else "")
    texts = ["%s: %s" % (c["field"], c["message"]) for c in causes]
    joined = texts[0] if len(texts) == 1 else "[" + ", ".join(texts) + "]"
    return ApiError(422, "Invalid", "%s %s is invalid: %s" % (qualified, go_quote(name), joined),
                    {"name": name, "group": group, "kind": kind,
                     "causes": [{"reason": c["reason"], "message": c["message"],
                                 "field": c["field"]} for c in causes]})


def cause(field, value, message):
    if value is None:
        return {"reason": "FieldValueRequired", "field": field, "message": "Required value"}
    return {"reason": "FieldValueInvalid", "field": field,
            "message": "Invalid value: %s: %s" % (go_quote(value), message)}


def template_hash(template):
    digest = hashlib.sha256(json.dumps(template, sort_keys=True).encode()).hexdigest()
    alphabet = "bcdfghjklmnpqrstvwxz2456789"  # the controller's safe alphabet
    number = int(digest[:16], 16)
    return "".join(alphabet[(number >> (5 * i)) % len(alphabet)] for i in range(10))


def percent(value, total, round_up):
    if isinstance(value, int):
        return value
    share = total * int(str(value).rstrip("%")) / 100.0
    return int(-(-share // 1)) if round_up else int(share // 1)


def default_container(container):
    image = container.get("image", "")
    tag = image.rsplit("/", 1)[-1]
    latest = "@" not in image and (":" not in tag or tag.endswith(":latest"))
    container.setdefault("imagePullPolicy", "Always" if latest else "IfNotPresent")
    container.setdefault("terminationMessagePath", "/dev/termination-log")
    container.setdefault("terminationMessagePolicy", "File")
    container.setdefault("resources", {})
    for port in container.get("ports", []):
        port.setdefault("protocol", "TCP")
    probe = container.get("readinessProbe")
    if isinstance(probe, dict):
        for key, value in (("timeoutSeconds", 1), ("periodSeconds", 10), ("successThreshold", 1),
                           ("failureThreshold", 3)):
            probe.setdefault(key, value)


def default_deployment_spec(spec):
    spec.setdefault("replicas", 1)
    spec.setdefault("revisionHistoryLimit", 10)
    spec.setdefault("progressDeadlineSeconds", 600)
    strategy = spec.setdefault("strategy", {"type": "RollingUpdate"})
    if strategy.get("type", "RollingUpdate") == "RollingUpdate":
        strategy.setdefault("type", "RollingUpdate")
        rolling = strategy.setdefault("rollingUpdate", {})
        rolling.setdefault("maxUnavailable", "25%")
        rolling.setdefault("maxSurge", "25%")
    pod = spec.setdefault("template", {}).setdefault("spec", {})
    spec["template"].setdefault("metadata", {}).setdefault("creationTimestamp", None)
    pod.setdefault("restartPolicy", "Always")
    pod.setdefault("terminationGracePeriodSeconds", 30)
    pod.setdefault("dnsPolicy", "ClusterFirst")
    pod.setdefault("securityContext", {})
    pod.setdefault("schedulerName", "default-scheduler")
    for container in pod.get("containers", []) + pod.get("initContainers", []):
        if isinstance(container, dict):
            default_container(container)


def validate_deployment(name, spec, old):
    causes = []
    if not DNS1123_SUBDOMAIN.match(name) or len(name) > 253:
        causes.append(cause("metadata.name", name, SUBDOMAIN_MSG))
    replicas = spec.get("replicas", 1)
    if not isinstance(replicas, int) or replicas < 0:
        causes.append(cause("spec.replicas", replicas, "must be greater than or equal to 0"))
    selector = (spec.get("selector") or {}).get("matchLabels")
    template = spec.get("template") or {}
    labels = (template.get("metadata") or {}).get("labels") or {}
    if not selector:
        causes.append(cause("spec.selector", None, ""))
    elif any(labels.get(k) != v for k, v in selector.items()):
        causes.append(cause("spec.template.metadata.labels", labels,
                            "`selector` does not match template `labels`"))
    containers = (template.get("spec") or {}).get("containers") or []
    if not containers:
        causes.append(cause("spec.template.spec.containers", None, ""))
    for i, container in enumerate(containers):
        where = "spec.template.spec.containers[%d]" % i
        if not isinstance(container, dict):
            causes.append(cause(where, container, "must be an object"))
            continue
        cname = container.get("name", "")
        if not cname:
            causes.append(cause(where + ".name", None, ""))
        elif not DNS1123_LABEL.match(cname):
            causes.append(cause(where + ".name", cname, LABEL_MSG))
        if not container.get("image"):
            causes.append(cause(where + ".image", None, ""))
        for j, port in enumerate(container.get("ports", [])):
            number = port.get("containerPort")
            if not isinstance(number, int) or not 0 < number < 65536:
                causes.append(cause("%s.ports[%d].containerPort" % (where, j), number,
                                    "must be between 1 and 65535, inclusive"))
    if old is not None and old["spec"].get("selector") != spec.get("selector"):
        causes.append(cause("spec.selector", spec.get("selector"), "field is immutable"))
    if causes:
        raise invalid("Deployment", "apps", name, causes)


def validate_service(name, spec):
    causes = []
    if not DNS1035_LABEL.match(name) or len(name) > 63:
        causes.append(cause("metadata.name", name, DNS1035_MSG))
    ports = spec.get("ports") or []
    if not ports and spec.get("type", "ClusterIP") != "ExternalName":
        causes.append(cause("spec.ports", None, ""))
    for i, port in enumerate(ports):
        number = port.get("port")
        if not isinstance(number, int) or not 0 < number < 65536:
            causes.append(cause("spec.ports[%d].port" % i, number,
                                "must be between 1 and 65535, inclusive"))
    if causes:
        raise invalid("Service", "", name, causes)


GROUPS = {"services": "", "deployments": "apps", "replicasets": "apps",
          "ingresses": "networking.k8s.io", "horizontalpodautoscalers": "autoscaling"}


def validate_ingress(name, spec):
    causes = []
    if not DNS1123_SUBDOMAIN.match(name) or len(name) > 253:
        causes.append(cause("metadata.name", name, SUBDOMAIN_MSG))
    for i, rule in enumerate(spec.get("rules") or []):
        host = rule.get("host", "")
        if host and not DNS1123_SUBDOMAIN.match(host.lstrip("*.")):
            causes.append(cause("spec.rules[%d].host" % i, host, SUBDOMAIN_MSG))
        for j, path in enumerate(((rule.get("http") or {}).get("paths")) or []):
            where = "spec.rules[%d].http.paths[%d]" % (i, j)
            if path.get("pathType") not in ("Exact", "Prefix", "ImplementationSpecific"):
                causes.append(cause(where + ".pathType", path.get("pathType"),
                                    'supported values: "Exact", "ImplementationSpecific", '
                                    '"Prefix"'))
            if not str(path.get("path", "")).startswith("/"):
                causes.append(cause(where + ".path", path.get("path"),
                                    "must be an absolute path"))
            service = (path.get("backend") or {}).get("service") or {}
            if not service.get("name"):
                causes.append(cause(where + ".backend.service.name", None, ""))
    if causes:
        raise invalid("Ingress", "networking.k8s.io", name, causes)


def validate_autoscaler(name, spec):
    causes = []
    target = spec.get("scaleTargetRef") or {}
    if not target.get("kind") or not target.get("name"):
        causes.append(cause("spec.scaleTargetRef", target, "kind and name are required"))
    low, high = spec.get("minReplicas", 1), spec.get("maxReplicas")
    if not isinstance(high, int) or high < 1:
        causes.append(cause("spec.maxReplicas", high, "must be greater than or equal to 1"))
    elif not isinstance(low, int) or low < 1 or low > high:
        causes.append(cause("spec.minReplicas", low,
                            "must be greater than or equal to 1 and less than or equal to "
                            "maxReplicas"))
    if causes:
        raise invalid("HorizontalPodAutoscaler", "autoscaling", name, causes)


class Store:
    """Every object of the simulated cluster, behind one lock. Each change
    bumps the resourceVersion and wakes watchers."""

    def __init__(self, tick=0.05):
        self.changed = threading.Condition()
        self.tick = tick
        self.reset()

    def reset(self):
        with self.changed:
            self.version = 1
            self.namespaces = {}
            for ns in ("default", "kube-system", "kube-public"):
                self._add_namespace(ns)
            self.objects = {"deployments": {}, "replicasets": {}, "services": {},
                            "ingresses": {}, "horizontalpodautoscalers": {}}
            self.owners = {}  # (resource, ns, name) -> {manager: set of metadata keys}
            self.progress = {}  # (ns, name) -> time of the last progress
            self.bad_images = []
            self.deadline = None  # overrides spec.progressDeadlineSeconds
            self.next_ip = 10
            self.changed.notify_all()

    def _bump(self):
        self.version += 1
        return str(self.version)

    def _add_namespace(self, ns):
        self.version = getattr(self, "version", 1) + 1
        self.namespaces[ns] = {
            "kind": "Namespace", "apiVersion": "v1",
            "metadata": {"name": ns, "uid": str(uuid.uuid4()), "resourceVersion": str(self.version),
                         "creationTimestamp": now_text(),
                         "labels": {"kubernetes.io/metadata.name": ns}},
            "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}

    def set_namespaces(self, names):
        with self.changed:
            for ns in list(self.namespaces):
                if ns not in names:
                    del self.namespaces[ns]
            for ns in names:
                if ns not in self.namespaces:
                    self._add_namespace(ns)

    def require_namespace(self, ns):
        if ns not in self.namespaces:
            raise ApiError(404, "NotFound", "namespaces %s not found" % go_quote(ns),
                           {"name": ns, "kind": "namespaces"})

    def get(self, resource, ns, name):
        with self.changed:
            obj = self.objects[resource].get((ns, name))
            if obj is None:
                group = GROUPS.get(resource, "apps")
                qualified = resource + ("." + group if group else "")
                raise ApiError(404, "NotFound", "%s %s not found" % (qualified, go_quote(name)),
                               {"name": name, "group": group, "kind": resource})
            return copy.deepcopy(obj)

    def list(self, resource, ns, label_selector=None, name=None):
        with self.changed:
            items = []
            for (ons, oname), obj in sorted(self.objects[resource].items()):
                if ns is not None and ons != ns:
                    continue
                if name is not None and oname != name:
                    continue
                labels = obj["metadata"].get("labels") or {}
                if label_selector and any(labels.get(k) != v for k, v in label_selector.items()):
                    continue
                items.append(copy.deepcopy(obj))
            return items, str(self.version)

    def _apply_metadata(self, resource, ns, name, meta, applied, manager):
        """Labels and annotations under server-side apply: a manager's keys
        that it no longer sends are removed, unless another manager owns them."""
        owners = self.owners.setdefault((resource, ns, name), {})
        mine = owners.setdefault(manager, set())
        sent = set()
        for section in ("labels", "annotations"):
            target = meta.setdefault(section, {})
            given = applied.get(section) or {}
            for key in list(target):
                owned_elsewhere = any((section, key) in keys for m, keys in owners.items()
                                      if m != manager)
                if (section, key) in mine and key not in given and not owned_elsewhere:
                    del target[key]
            for key, value in given.items():
                target[key] = value
                sent.add((section, key))
            if not target:
                del meta[section]
        owners[manager] = sent

    def _managed_fields(self, meta, manager, api_version):
        entries = [e for e in meta.get("managedFields", []) if e["manager"] != manager]
        entries.append({"manager": manager, "operation": "Apply", "apiVersion": api_version,
                        "time": now_text(), "fieldsType": "FieldsV1", "fieldsV1": {}})
        meta["managedFields"] = entries

    def apply(self, resource, ns, name, body, manager):
        """Server-side apply of `body` by `manager`; returns (object, created)."""
        api, kind = {"deployments": ("apps/v1", "Deployment"),
                     "services": ("v1", "Service"),
                     "ingresses": ("networking.k8s.io/v1", "Ingress"),
                     "horizontalpodautoscalers": ("autoscaling/v2",
                                                  "HorizontalPodAutoscaler")}[resource]
        if body.get("apiVersion") != api or body.get("kind") != kind:
            raise ApiError(400, "BadRequest", "the API version in the data (%s) does not match the "
                           "expected API version (%s)" % (body.get("apiVersion"), api)
                           if body.get("apiVersion") != api else
                           "the kind in the data (%s) does not match the expected kind (%s)"
                           % (body.get("kind"), kind))
        meta_in = body.get("metadata") or {}
        if meta_in.get("name") != name:
            raise ApiError(400, "BadRequest", "the name of the object (%s) does not match the "
                           "name on the URL (%s)" % (meta_in.get("name"), name))
        if meta_in.get("namespace", ns) != ns:
            raise ApiError(400, "BadRequest", "the namespace of the provided object does not "
                           "match the namespace sent on the request")
        spec = copy.deepcopy(body.get("spec") or {})
        with self.changed:
            self.require_namespace(ns)
            old = self.objects[resource].get((ns, name))
            if resource == "deployments":
                validate_deployment(name, spec, old)
                default_deployment_spec(spec)
            elif resource == "services":
                validate_service(name, spec)
                self._default_service(spec, old)
            elif resource == "ingresses":
                validate_ingress(name, spec)
            else:
                validate_autoscaler(name, spec)
            if old is None:
                obj = {"kind": kind, "apiVersion": api,
                       "metadata": {"name": name, "namespace": ns, "uid": str(uuid.uuid4()),
                                    "creationTimestamp": now_text()}}
                if resource in ("deployments", "horizontalpodautoscalers", "ingresses"):
                    obj["metadata"]["generation"] = 1
                    obj["status"] = {} if resource == "deployments" else (
                        {"loadBalancer": {}} if resource == "ingresses" else
                        {"currentReplicas": 0, "desiredReplicas": 0})
                else:
                    obj["status"] = {"loadBalancer": {}}
            else:
                obj = old
                if resource == "deployments" and obj["spec"] != spec:
                    obj["metadata"]["generation"] += 1
            obj["spec"] = spec
            self._apply_metadata(resource, ns, name, obj["metadata"], meta_in, manager)
            self._managed_fields(obj["metadata"], manager, api)
            obj["metadata"]["resourceVersion"] = self._bump()
            self.objects[resource][(ns, name)] = obj
            self.changed.notify_all()
            return copy.deepcopy(obj), old is None

    def delete(self, resource, ns, name):
        """Deletes an object (a Deployment with the ReplicaSets it owns, as
        the garbage collector would); returns the Status the API answers."""
        with self.changed:
            self.require_namespace(ns)
            obj = self.objects[resource].get((ns, name))
            if obj is None:
                self.get(resource, ns, name)  # raises the API's 404
            del self.objects[resource][(ns, name)]
            self.owners.pop((resource, ns, name), None)
            if resource == "deployments":
                uid = obj["metadata"]["uid"]
                for key, rs in list(self.objects["replicasets"].items()):
                    refs = rs["metadata"].get("ownerReferences") or []
                    if any(r.get("uid") == uid for r in refs):
                        del self.objects["replicasets"][key]
            self._bump()
            self.changed.notify_all()
            return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                    "details": {"name": name, "group": GROUPS.get(resource, ""),
                                "kind": resource, "uid": obj["metadata"]["uid"]}}

    def endpoints(self, ns, name):
        """The v1 Endpoints of a Service: the ready pods of every ReplicaSet
        whose pod labels its selector matches, whichever Deployment owns it
        (so one Service can front several Deployments, as a canary needs).
        A pod is named after its ReplicaSet, with a made-up address."""
        service = self.get("services", ns, name)
        selector = service["spec"].get("selector") or {}
        with self.changed:
            addresses = []
            for (rns, rname), rs in sorted(self.objects["replicasets"].items()):
                labels = (rs["spec"]["template"].get("metadata") or {}).get("labels") or {}
                if rns != ns or not selector or \
                        any(labels.get(k) != v for k, v in selector.items()):
                    continue
                for i in range(rs["status"].get("readyReplicas", 0)):
                    addresses.append({"ip": "10.%d.%d.%d" % (len(addresses) // 65536 % 256,
                                                             len(addresses) // 256 % 256,
                                                             len(addresses) % 256 + 1),
                                      "targetRef": {"kind": "Pod", "namespace": ns,
                                                    "name": "%s-%d" % (rname, i)}})
            subsets = []
            if addresses:
                subsets.append({"addresses": addresses,
                                "ports": [{"name": p.get("name", ""), "port":
                                           p.get("targetPort", p.get("port")),
                                           "protocol": p.get("protocol", "TCP")}
                                          for p in service["spec"].get("ports", [])]})
            return {"kind": "Endpoints", "apiVersion": "v1",
                    "metadata": {"name": name, "namespace": ns,
                                 "resourceVersion": str(self.version)},
                    "subsets": subsets}

    def _default_service(self, spec, old):
        spec.setdefault("type", "ClusterIP")
        spec.setdefault("sessionAffinity", "None")
        spec.setdefault("internalTrafficPolicy", "Cluster")
        spec.setdefault("ipFamilies", ["IPv4"])
        spec.setdefault("ipFamilyPolicy", "SingleStack")
        if old is not None:
            spec["clusterIP"] = old["spec"]["clusterIP"]
        else:
            spec["clusterIP"] = "10.96.0.%d" % self.next_ip
            self.next_ip += 1
        spec["clusterIPs"] = [spec["clusterIP"]]
        for port in spec.get("ports", []):
            port.setdefault("protocol", "TCP")
            port.setdefault("targetPort", port.get("port"))

    # The Deployment controller, one step per tick.

    def run_controller(self, stop):
        while not stop.wait(self.tick):
            with self.changed:
                changed = False
                for key in list(self.objects["deployments"]):
                    changed = self._reconcile(key) or changed
                if changed:
                    self.changed.notify_all()

    def _owned_sets(self, deployment):
        uid = deployment["metadata"]["uid"]
        ns = deployment["metadata"]["namespace"]
        return [rs for (rns, _), rs in sorted(self.objects["replicasets"].items())
                if rns == ns and any(o["uid"] == uid for o in rs["metadata"]["ownerReferences"])]

    def _new_set(self, deployment, sets):
        """The ReplicaSet of the Deployment's current template, made or renumbered."""
        template = copy.deepcopy(deployment["spec"]["template"])
        pod_hash = template_hash(template)
        revisions = [int(rs["metadata"]["annotations"][REVISION]) for rs in sets]
        top = max(revisions, default=0)
        found = [rs for rs in sets if rs["metadata"]["labels"].get(HASH_LABEL) == pod_hash]
        meta = deployment["metadata"]
        if found:
            rs = found[0]
            if int(rs["metadata"]["annotations"][REVISION]) != top:
                rs["metadata"]["annotations"][REVISION] = str(top + 1)
        else:
            template["metadata"].setdefault("labels", {})[HASH_LABEL] = pod_hash
            selector = copy.deepcopy(deployment["spec"]["selector"])
            selector.setdefault("matchLabels", {})[HASH_LABEL] = pod_hash
            rs = {"metadata": {
                      "name": "%s-%s" % (meta["name"], pod_hash), "namespace": meta["namespace"],
                      "uid": str(uuid.uuid4()), "creationTimestamp": now_text(), "generation": 1,
                      "labels": dict(template["metadata"]["labels"]),
                      "annotations": {REVISION: str(top + 1)},
                      "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment",
                                           "name": meta["name"], "uid": meta["uid"],
                                           "controller": True, "blockOwnerDeletion": True}]},
                  "spec": {"replicas": 0, "selector": selector, "template": template},
                  "status": {"replicas": 0, "observedGeneration": 1}}
            self.objects["replicasets"][(meta["namespace"], rs["metadata"]["name"])] = rs
        cause_text = (meta.get("annotations") or {}).get(CHANGE_CAUSE)
        if cause_text:
            rs["metadata"]["annotations"][CHANGE_CAUSE] = cause_text
        rs["metadata"]["resourceVersion"] = self._bump()
        return rs

    def _reconcile(self, key):
        dep = self.objects["deployments"][key]
        meta, spec = dep["metadata"], dep["spec"]
        status = dep.setdefault("status", {})
        before = json.dumps([meta.get("annotations"), status], sort_keys=True)
        sets = self._owned_sets(dep)
        now = time.monotonic()
        pod_hash = template_hash(spec["template"])
        current = [rs for rs in sets if rs["metadata"]["labels"].get(HASH_LABEL) == pod_hash]
        if status.get("observedGeneration", 0) < meta["generation"] or not current:
            rs = self._new_set(dep, sets)
            meta.setdefault("annotations", {})[REVISION] = rs["metadata"]["annotations"][REVISION]
            status["observedGeneration"] = meta["generation"]
            self.progress[key] = now
            sets = self._owned_sets(dep)
            current = [rs]
        new = current[0]
        olds = [rs for rs in sets if rs is not new]
        desired = spec.get("replicas", 1)
        images = [c.get("image", "") for c in new["spec"]["template"]["spec"].get("containers", [])]
        healthy = not any(bad in image for bad in self.bad_images for image in images)
        progressed = self._scale(spec, new, olds, desired, healthy)
        for rs in sets:
            rs_status = rs["status"]
            rs_status["replicas"] = rs["spec"]["replicas"]
            for field in ("availableReplicas", "readyReplicas"):
                if rs_status.get(field, 0) == 0:
                    rs_status.pop(field, None)
        if progressed:
            self.progress[key] = now
        self._set_status(dep, new, sets, desired, now)
        after = json.dumps([meta.get("annotations"), status], sort_keys=True)
        if after != before:
            meta["resourceVersion"] = self._bump()
            return True
        return progressed

    @staticmethod
    def _scale(spec, new, olds, desired, healthy):
        """One step of a rolling update: pods made last tick become available
        (unless their image is bad), the new ReplicaSet grows within maxSurge,
        an old one shrinks while availability stays within maxUnavailable."""
        rolling = (spec.get("strategy") or {}).get("rollingUpdate") or {}
        surge = percent(rolling.get("maxSurge", "25%"), desired, True)
        unavailable = percent(rolling.get("maxUnavailable", "25%"), desired, False)
        if surge == 0 and unavailable == 0:
            unavailable = 1
        progressed = False
        nstat = new["status"]
        if healthy and nstat.get("availableReplicas", 0) < new["spec"]["replicas"]:
            nstat["availableReplicas"] = nstat.get("availableReplicas", 0) + 1
            progressed = True
        total = new["spec"]["replicas"] + sum(rs["spec"]["replicas"] for rs in olds)
        if new["spec"]["replicas"] > desired:
            new["spec"]["replicas"] -= 1
            progressed = True
        elif new["spec"]["replicas"] < desired and total < desired + surge:
            new["spec"]["replicas"] += 1
            progressed = True
        nstat["availableReplicas"] = min(nstat.get("availableReplicas", 0),
                                         new["spec"]["replicas"])
        available = nstat["availableReplicas"] + sum(rs["status"].get("availableReplicas", 0)
                                                     for rs in olds)
        for rs in olds:
            if rs["spec"]["replicas"] == 0:
                continue
            old_available = rs["status"].get("availableReplicas", 0)
            if old_available < rs["spec"]["replicas"]:  # an unavailable pod goes first
                rs["spec"]["replicas"] -= 1
            elif available - 1 >= desired - unavailable:
                rs["spec"]["replicas"] -= 1
                rs["status"]["availableReplicas"] = old_available - 1
            else:
                break
            progressed = True
            break
        for rs in [new] + olds:
            rs["status"]["readyReplicas"] = rs["status"].get("availableReplicas", 0)
        return progressed

    def _set_status(self, dep, new, sets, desired, now):
        status = dep["status"]
        key = (dep["metadata"]["namespace"], dep["metadata"]["name"])
        total = sum(rs["spec"]["replicas"] for rs in sets)
        available = sum(rs["status"].get("availableReplicas", 0) for rs in sets)
        status.update({"replicas": total, "updatedReplicas": new["spec"]["replicas"],
                       "readyReplicas": available, "availableReplicas": available})
        if total - available > 0:
            status["unavailableReplicas"] = total - available
        else:
            status.pop("unavailableReplicas", None)
        for field in ("replicas", "updatedReplicas", "readyReplicas", "availableReplicas"):
            if status[field] == 0:
                del status[field]
        rolling = dep["spec"].get("strategy", {}).get("rollingUpdate", {})
        unavailable_ok = percent(rolling.get("maxUnavailable", "25%"), desired, False)
        stamp = now_text()
        conditions = {c["type"]: c for c in status.get("conditions", [])}

        def put(kind, value, reason, message):
            old = conditions.get(kind)
            if old and old["status"] == value and old["reason"] == reason:
                return
            transition = old["lastTransitionTime"] if old and old["status"] == value else stamp
            conditions[kind] = {"type": kind, "status": value, "lastUpdateTime": stamp,
                                "lastTransitionTime": transition, "reason": reason,
                                "message": message}

        if available >= desired - unavailable_ok:
            put("Available", "True", "MinimumReplicasAvailable",
                "Deployment has minimum availability.")
        else:
            put("Available", "False", "MinimumReplicasUnavailable",
                "Deployment does not have minimum availability.")
        rs_name = new["metadata"]["name"]
        complete = (new["spec"]["replicas"] == desired and total == desired and
                    new["status"].get("availableReplicas", 0) == desired)
        deadline = self.deadline if self.deadline is not None else \
            dep["spec"].get("progressDeadlineSeconds", 600)
        if complete:
            put("Progressing", "True", "NewReplicaSetAvailable",
                'ReplicaSet "%s" has successfully progressed.' % rs_name)
        elif now - self.progress.get(key, now) > deadline:
            put("Progressing", "False", "ProgressDeadlineExceeded",
                'ReplicaSet "%s" has timed out progressing.' % rs_name)
        elif conditions.get("Progressing", {}).get("reason") != "ReplicaSetUpdated" or \
                self.progress.get(key) == now:
            put("Progressing", "True", "ReplicaSetUpdated",
                'ReplicaSet "%s" is progressing.' % rs_name)
        status["conditions"] = [conditions[k] for k in ("Available", "Progressing")
                                if k in conditions]
