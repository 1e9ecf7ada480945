#!/usr/bin/python3
"""Fake Kubernetes API server: the subset that multicni and vdno-scheduler use.

Core v1 nodes and pods (list with labelSelector / fieldSelector / limit+continue, get, create,
merge / strategic-merge / JSON patch of the object and of /status, put, delete), namespaces,
/version, /healthz.  Answers and errors are shaped like a real kube-apiserver's
(test/fixtures/k8s).  Auth: bearer tokens, basic user:pass, TLS client certificates.
"""

import base64
import copy
import datetime
import itertools
import json
import os
import re
import sys
import threading
import uuid
from decimal import Decimal

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakebase  # noqa: E402
from fakebase import HTTPError, Response  # noqa: E402

DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
SUBDOMAIN_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
                 "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
                 "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
LABEL_MSG = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "
             "start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for "
             "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")

POD_FIELDS = {
    "metadata.name": lambda p: p.get("metadata", {}).get("name", ""),
    "metadata.namespace": lambda p: p.get("metadata", {}).get("namespace", ""),
    "spec.nodeName": lambda p: p.get("spec", {}).get("nodeName", ""),
    "spec.restartPolicy": lambda p: p.get("spec", {}).get("restartPolicy", ""),
    "spec.schedulerName": lambda p: p.get("spec", {}).get("schedulerName", ""),
    "spec.serviceAccountName": lambda p: p.get("spec", {}).get("serviceAccountName", ""),
    "spec.hostNetwork": lambda p: "true" if p.get("spec", {}).get("hostNetwork") else "false",
    "status.phase": lambda p: p.get("status", {}).get("phase", ""),
    "status.podIP": lambda p: p.get("status", {}).get("podIP", ""),
    "status.nominatedNodeName": lambda p: p.get("status", {}).get("nominatedNodeName", ""),
}
NODE_FIELDS = {
    "metadata.name": lambda n: n.get("metadata", {}).get("name", ""),
    "spec.unschedulable": lambda n: "true" if n.get("spec", {}).get("unschedulable") else "false",
}
PATCH_TYPES = ["application/json-patch+json", "application/merge-patch+json",
               "application/strategic-merge-patch+json", "application/apply-patch+yaml"]
# patchMergeKey of the list fields a strategic merge patch merges by key (the rest are replaced)
SMP_KEYS = {"containers": "name", "initContainers": "name", "ephemeralContainers": "name", "volumes": "name",
            "env": "name", "volumeMounts": "mountPath", "conditions": "type", "ports": "containerPort",
            "imagePullSecrets": "name", "ownerReferences": "uid", "finalizers": None, "taints": "key",
            "addresses": "type"}


def now_rfc3339():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------- Status bodies
def status_body(code, reason, message, details=None):
    out = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
           "message": message, "reason": reason}
    if details is not None:
        out["details"] = details
    out["code"] = code
    return out


def fail(code, reason, message, details=None, headers=None):
    raise HTTPError(code, status_body(code, reason, message, details), headers=headers)


def not_found(resource, name):
    fail(404, "NotFound", '%s "%s" not found' % (resource, name), {"name": name, "kind": resource})


def bad_request(message):
    fail(400, "BadRequest", message)


def invalid(kind, name, causes):
    """causes: list of (field, reason, message)."""
    parts = ["%s: %s" % (f, m) for f, _, m in causes]
    msg = '%s "%s" is invalid: %s' % (kind, name, parts[0] if len(parts) == 1 else "[" + ", ".join(parts) + "]")
    fail(422, "Invalid", msg, {"name": name, "kind": kind,
                               "causes": [{"reason": r, "message": m, "field": f} for f, r, m in causes]})


# ---------------------------------------------------------------- quantities
QTY_RE = re.compile(r"^([+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$")
SUFFIX = {None: Decimal(1), "n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"), "k": Decimal(10) ** 3,
          "M": Decimal(10) ** 6, "G": Decimal(10) ** 9, "T": Decimal(10) ** 12, "P": Decimal(10) ** 15,
          "E": Decimal(10) ** 18, "Ki": Decimal(2) ** 10, "Mi": Decimal(2) ** 20, "Gi": Decimal(2) ** 30,
          "Ti": Decimal(2) ** 40, "Pi": Decimal(2) ** 50, "Ei": Decimal(2) ** 60}


def parse_quantity(q):
    if isinstance(q, (int, float)) and not isinstance(q, bool):
        return Decimal(str(q))
    if not isinstance(q, str):
        raise ValueError("quantity must be a string")
    m = QTY_RE.match(q.strip())
    if not m:
        raise ValueError("quantities must match the regular expression "
                         "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
    num, suf = m.group(1), m.group(2)
    if suf and suf[0] in "eE" and len(suf) > 1:
        return Decimal(num) * (Decimal(10) ** int(suf[1:]))
    return Decimal(num) * SUFFIX[suf]


# ---------------------------------------------------------------- selectors
def split_top(s, sep=","):
    out, depth, cur = [], 0, ""
    for ch in s:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == sep and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    out.append(cur)
    return out


LABEL_KEY = r"[A-Za-z0-9][-A-Za-z0-9_./]*"


def parse_label_selector(sel):
    """-> list of predicates over a labels dict; raises ValueError."""
    preds = []
    if not sel.strip():
        return preds
    for term in split_top(sel):
        t = term.strip()
        if not t:
            raise ValueError("found '', expected: !, identifier, or 'end of string'")
        m = re.match(r"^(%s)\s+(in|notin)\s+\((.*)\)$" % LABEL_KEY, t)
        if m:
            key, op, vals = m.group(1), m.group(2), {v.strip() for v in m.group(3).split(",")}
            if op == "in":
                preds.append(lambda l, k=key, v=vals: k in l and l[k] in v)
            else:
                preds.append(lambda l, k=key, v=vals: k not in l or l[k] not in v)
            continue
        m = re.match(r"^!\s*(%s)$" % LABEL_KEY, t)
        if m:
            preds.append(lambda l, k=m.group(1): k not in l)
            continue
        m = re.match(r"^(%s)\s*(!=|==|=)\s*([-A-Za-z0-9_.]*)$" % LABEL_KEY, t)
        if m:
            key, op, val = m.group(1), m.group(2), m.group(3)
            if op == "!=":
                preds.append(lambda l, k=key, v=val: l.get(k) != v)
            else:
                preds.append(lambda l, k=key, v=val: k in l and l[k] == v)
            continue
        m = re.match(r"^(%s)$" % LABEL_KEY, t)
        if m:
            preds.append(lambda l, k=m.group(1): k in l)
            continue
        raise ValueError("unable to parse requirement: %r" % t)
    return preds


def unescape_field(v):
    return re.sub(r"\\(.)", r"\1", v)


def parse_field_selector(sel, fields):
    preds = []
    if not sel.strip():
        return preds
    for term in re.split(r"(?<!\\),", sel):
        t = term.strip()
        m = re.match(r"^([^!=]+)(!=|==|=)(.*)$", t)
        if not m:
            raise ValueError("invalid selector: '%s'; can't understand '%s'" % (sel, t))
        key, op, val = m.group(1).strip(), m.group(2), unescape_field(m.group(3))
        if key not in fields:
            raise KeyError(key)
        get = fields[key]
        if op == "!=":
            preds.append(lambda o, g=get, v=val: g(o) != v)
        else:
            preds.append(lambda o, g=get, v=val: g(o) == v)
    return preds


# ---------------------------------------------------------------- patches
def merge_patch(target, patch):
    """RFC 7386."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = copy.deepcopy(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = merge_patch(out.get(k), v)
    return out


def strategic_merge_patch(target, patch, field=None):
    """A useful approximation of a strategic merge patch: maps merge like RFC 7386, lists named in
    SMP_KEYS merge by their key (an element {"$patch":"delete"} removes one), other lists replace.
    $-directives other than $patch are ignored."""
    if isinstance(patch, list):
        key = SMP_KEYS.get(field)
        if key is None or not isinstance(target, list):
            return [strategic_merge_patch(None, x) for x in patch if not (isinstance(x, dict) and x.get("$patch"))]
        out = copy.deepcopy(target)
        for el in patch:
            if not isinstance(el, dict) or key not in el:
                out.append(copy.deepcopy(el))
                continue
            idx = next((i for i, o in enumerate(out) if isinstance(o, dict) and o.get(key) == el[key]), None)
            if el.get("$patch") == "delete":
                if idx is not None:
                    out.pop(idx)
            elif idx is None:
                out.append(strategic_merge_patch(None, el))
            else:
                out[idx] = strategic_merge_patch(out[idx], el)
        return out
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if patch.get("$patch") == "replace":
        return {k: copy.deepcopy(v) for k, v in patch.items() if not k.startswith("$")}
    out = copy.deepcopy(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if k.startswith("$"):
            continue
        if v is None:
            out.pop(k, None)
        else:
            out[k] = strategic_merge_patch(out.get(k), v, k)
    return out


def _ptr(path):
    if path == "":
        return []
    if not path.startswith("/"):
        raise ValueError("invalid JSON pointer %r" % path)
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _walk(doc, parts):
    cur = doc
    for p in parts:
        if isinstance(cur, list):
            cur = cur[int(p)]
        elif isinstance(cur, dict):
            cur = cur[p]
        else:
            raise KeyError(p)
    return cur


def json_patch(doc, ops):
    """RFC 6902."""
    doc = copy.deepcopy(doc)
    if not isinstance(ops, list):
        raise ValueError("a JSON patch is a list of operations")
    for op in ops:
        kind = op.get("op")
        parts = _ptr(op.get("path", ""))

        def add(d, parts, value):
            parent = _walk(d, parts[:-1])
            last = parts[-1]
            if isinstance(parent, list):
                if last == "-":
                    parent.append(value)
                else:
                    parent.insert(int(last), value)
            else:
                parent[last] = value

        def remove(d, parts):
            parent = _walk(d, parts[:-1])
            last = parts[-1]
            if isinstance(parent, list):
                return parent.pop(int(last))
            return parent.pop(last)

        try:
            if kind == "add":
                if not parts:
                    doc = copy.deepcopy(op["value"])
                else:
                    add(doc, parts, copy.deepcopy(op["value"]))
            elif kind == "remove":
                remove(doc, parts)
            elif kind == "replace":
                if not parts:
                    doc = copy.deepcopy(op["value"])
                else:
                    remove(doc, parts)
                    add(doc, parts, copy.deepcopy(op["value"]))
            elif kind == "move":
                v = remove(doc, _ptr(op["from"]))
                add(doc, parts, v)
            elif kind == "copy":
                add(doc, parts, copy.deepcopy(_walk(doc, _ptr(op["from"]))))
            elif kind == "test":
                if _walk(doc, parts) != op.get("value"):
                    raise ValueError("testing value %s failed" % op.get("path"))
            else:
                raise ValueError("Unexpected kind: %s" % kind)
        except (KeyError, IndexError) as e:
            raise ValueError("doc is missing path: %s: %s" % (op.get("path"), e))
    return doc


# ---------------------------------------------------------------- the app
class KubeApp(fakebase.FakeApp):
    """Fake Kubernetes API server."""

    name = "kube-api"
    server_header = "fake-kube-apiserver"
    default_client_cert = "optional"

    @classmethod
    def add_arguments(cls, p):
        p.add_argument("--token", action="append", default=[], help="accepted bearer token (repeatable)")
        p.add_argument("--token-file", action="append", default=[], help="file holding an accepted token")
        p.add_argument("--basic", action="append", default=[], metavar="USER:PASS",
                       help="accepted basic-auth credential (repeatable)")
        p.add_argument("--namespace", action="append", default=[],
                       help="existing namespace (repeatable; default: default and vdno); namespaces of "
                            "seeded pods are added")
        p.add_argument("--state", help="JSON file {\"nodes\":[...],\"pods\":[...]} to start from")
        p.add_argument("--fixtures", nargs="?", const=fakebase.fixtures_dir("k8s"), default=None,
                       metavar="DIR", help="start from DIR/nodelist.json + DIR/podlist-all.json "
                                            "(default DIR: test/fixtures/k8s)")
        p.add_argument("--forbid", action="append", default=[], metavar="VERB:NAMESPACE",
                       help="answer 403 to VERB (get, list, create, patch, update, delete) on pods in "
                            "NAMESPACE (* = all)")
        p.add_argument("--anonymous", action="store_true",
                       help="a request without credentials is user system:anonymous, who may only read "
                            "/healthz, /livez, /readyz and /version: 403 elsewhere (a real server's default, "
                            "--anonymous-auth=true); without this flag: 401 (--anonymous-auth=false)")
        p.add_argument("--auto-run", type=float, default=None, metavar="SECONDS",
                       help="SECONDS after creation a Pending pod is bound to a node and becomes Running "
                            "with a podIP (default: pods stay Pending)")

    def __init__(self, args):
        super().__init__(args)
        self.tokens = list(args.token)
        for f in args.token_file:
            with open(f) as fh:
                self.tokens.append(fh.read().strip())
        self.basic = {}
        for b in args.basic:
            u, _, pw = b.partition(":")
            self.basic[u] = pw
        self.forbid = set()
        for f in args.forbid:
            verb, _, ns = f.partition(":")
            self.forbid.add((verb, ns or "*"))
        self.base_namespaces = list(args.namespace or ["default", "vdno"])
        self.cur_rv = 1000
        self.nodes = {}
        self.pods = {}
        self.namespaces = {}
        self.ip_counter = itertools.count(2)
        for ns in self.base_namespaces:
            self.add_namespace(ns)
        if args.fixtures:
            with open(os.path.join(args.fixtures, "nodelist.json")) as f:
                nodes = json.load(f)
            with open(os.path.join(args.fixtures, "podlist-all.json")) as f:
                pods = json.load(f)
            self.seed({"nodes": nodes["items"], "pods": pods["items"]},
                      rv=max(int(nodes["metadata"]["resourceVersion"]), int(pods["metadata"]["resourceVersion"])))
        if args.state:
            with open(args.state) as f:
                self.seed(json.load(f))

    # ---- bookkeeping ----------------------------------------------------
    def bump(self):
        self.cur_rv += 1
        return str(self.cur_rv)

    def add_namespace(self, ns):
        if ns not in self.namespaces:
            self.namespaces[ns] = {
                "metadata": {"name": ns, "uid": str(uuid.uuid4()), "resourceVersion": str(self.cur_rv),
                             "creationTimestamp": now_rfc3339(),
                             "labels": {"kubernetes.io/metadata.name": ns}},
                "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}

    def seed(self, obj, rv=None):
        if rv is not None and rv > self.cur_rv:
            self.cur_rv = rv
        if "namespaces" in obj:
            self.namespaces = {}
            for ns in obj["namespaces"]:
                self.add_namespace(ns if isinstance(ns, str) else ns["metadata"]["name"])
        if "nodes" in obj:
            self.nodes = {}
            for n in self._items(obj["nodes"]):
                n = copy.deepcopy(n)
                self._fill_meta(n)
                self.nodes[n["metadata"]["name"]] = n
        if "pods" in obj:
            self.pods = {}
            for p in self._items(obj["pods"]):
                p = copy.deepcopy(p)
                md = p.setdefault("metadata", {})
                md.setdefault("namespace", "default")
                self._fill_meta(p)
                p.setdefault("spec", {})
                p.setdefault("status", {"phase": "Pending"})
                self.add_namespace(md["namespace"])
                self.pods[(md["namespace"], md["name"])] = p

    @staticmethod
    def _items(v):
        if isinstance(v, dict):
            v = v.get("items", [])
        if not isinstance(v, list):
            raise HTTPError(400, {"error": "nodes/pods must be a list or a *List object"})
        return v

    def _fill_meta(self, o):
        md = o.setdefault("metadata", {})
        if "name" not in md:
            raise HTTPError(400, {"error": "seeded object without metadata.name"})
        md.setdefault("uid", str(uuid.uuid4()))
        md.setdefault("resourceVersion", str(self.cur_rv))
        md.setdefault("creationTimestamp", now_rfc3339())
        o.pop("kind", None)
        o.pop("apiVersion", None)

    def get_state(self):
        return {"namespaces": list(self.namespaces), "nodes": list(self.nodes.values()),
                "pods": list(self.pods.values()), "resourceVersion": str(self.cur_rv)}

    def set_state(self, obj):
        bad = set(obj) - {"namespaces", "nodes", "pods"}
        if bad:
            raise HTTPError(400, {"error": "unknown state members: %s" % ", ".join(sorted(bad))})
        self.seed(obj)
        self.bump()

    # ---- protocol ----------------------------------------------------------
    def error_body(self, status, message):
        reasons = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 409: "Conflict",
                   410: "Expired", 422: "Invalid", 429: "TooManyRequests", 500: "InternalError",
                   503: "ServiceUnavailable", 504: "Timeout"}
        return status_body(status, reasons.get(status, "Unknown"), message)

    def extra_headers(self, req):
        return {"Audit-Id": str(uuid.uuid4()), "Cache-Control": "no-cache, private",
                "X-Kubernetes-Pf-Flowschema-Uid": "7f4d3c59-7a7e-4a4c-8f8c-6c5c6f6c1e01",
                "X-Kubernetes-Pf-Prioritylevel-Uid": "2b1e7c1d-3c3b-4b8e-9d0a-5c0b8e2f9a02"}

    def authenticate(self, req):
        if req.raw_path in ("/healthz", "/livez", "/readyz", "/version"):
            return None
        if req.peer_cert:  # the handshake verified it against --client-ca
            req.user = req.client_cn() or "unknown-cert-user"
            return None
        auth = req.header("Authorization") or ""
        scheme, _, cred = auth.strip().partition(" ")
        cred = cred.strip()
        if scheme.lower() == "bearer" and cred and cred in self.tokens:
            req.user = "token-%d" % (self.tokens.index(cred) + 1)
            return None
        if scheme.lower() == "basic":
            try:
                u, _, pw = base64.b64decode(cred).decode("utf-8").partition(":")
            except (ValueError, UnicodeDecodeError):
                u, pw = None, None
            if u in self.basic and self.basic[u] == pw:
                req.user = u
                return None
        if not auth.strip() and self.args.anonymous:
            req.user = "system:anonymous"
            return None
        return Response(401, status_body(401, "Unauthorized", "Unauthorized"))

    @staticmethod
    def forbidden(req, verb, ns, resource="pods", name=None, subresource=None):
        """403 worded like the RBAC authorizer's."""
        scope = ' in the namespace "%s"' % ns if ns else " at the cluster scope"
        what = '%s "%s"' % (resource, name) if name else resource
        details = {"name": name, "kind": resource} if name else {"kind": resource}
        fail(403, "Forbidden", '%s is forbidden: User "%s" cannot %s resource "%s" in API group ""%s'
             % (what, req.user, verb, resource + ("/" + subresource if subresource else ""), scope), details)

    def check_forbidden(self, req, verb, ns, resource="pods", name=None, subresource=None):
        if (verb, ns) in self.forbid or (verb, "*") in self.forbid:
            self.forbidden(req, verb, ns, resource, name, subresource)

    def check_node(self, req, verb, ns, name, sub, pod):
        """The Node authorizer and the NodeRestriction admission, for a client certificate of a
        kubelet (O=system:nodes, CN=system:node:NAME): it may read pods and patch or update the
        status of the pods bound to its node, never patch, update or create pods themselves."""
        user = getattr(req, "user", None) or ""
        if not user.startswith("system:node:") or "system:nodes" not in req.client_orgs():
            return
        node = user[len("system:node:"):]
        if verb in ("get", "list"):
            return
        if sub == "status" and verb in ("patch", "update"):
            if pod is not None and pod.get("spec", {}).get("nodeName") != node:
                fail(403, "Forbidden", 'pods "%s" is forbidden: node "%s" can only update pod status for pods '
                                       'with spec.nodeName set to itself' % (name, node),
                     {"name": name, "kind": "pods"})
            return
        if verb == "delete":
            if pod is not None and pod.get("spec", {}).get("nodeName") != node:
                fail(403, "Forbidden", 'pods "%s" is forbidden: node "%s" can only delete pods with spec.nodeName '
                                       'set to itself' % (name, node), {"name": name, "kind": "pods"})
            return
        if verb == "create" and sub is None:  # allowed by the authorizer, refused by NodeRestriction
            try:
                body = req.json()
                pname = (body.get("metadata") or {}).get("name") or ""
            except (ValueError, AttributeError):
                pname = ""
            fail(403, "Forbidden", 'pods "%s" is forbidden: pod does not have "kubernetes.io/config.mirror" '
                                   'annotation, node "%s" can only create mirror pods' % (pname, node),
                 {"name": pname, "kind": "pods"})
        self.forbidden(req, verb, ns, "pods", name, sub)

    def check_anonymous(self, req):
        """system:anonymous has no RBAC binding: every API request is refused."""
        if getattr(req, "user", None) != "system:anonymous":
            return
        s, m = req.segments, req.method
        if s in (["healthz"], ["livez"], ["readyz"], ["version"]):
            return
        verb = {"GET": "get", "POST": "create", "PATCH": "patch", "PUT": "update", "DELETE": "delete"}.get(m, "get")
        r = s[2:] if s[:2] == ["api", "v1"] else []
        ns, res, name, sub = None, None, None, None
        if len(r) >= 2 and r[0] == "namespaces" and len(r) >= 3:
            ns, res, name, sub = r[1], r[2], (r[3] if len(r) > 3 else None), (r[4] if len(r) > 4 else None)
        elif r:
            res, name, sub = r[0], (r[1] if len(r) > 1 else None), (r[2] if len(r) > 2 else None)
            if res == "namespaces":  # a namespace is "in" itself
                ns = name
        if res is None:
            fail(403, "Forbidden", 'forbidden: User "system:anonymous" cannot %s path "%s"'
                 % (verb, req.raw_path.split("?")[0]), {})
        if verb == "get" and name is None:
            verb = "list"
        self.forbidden(req, verb, ns, res, name if verb != "create" or sub else None, sub)

    # ---- routing ----------------------------------------------------------------
    def route(self, req):
        s = req.segments
        m = req.method
        self.check_anonymous(req)
        if s in (["healthz"], ["livez"], ["readyz"]) and m == "GET":
            return Response(200, "ok", "text/plain; charset=utf-8")
        if s == ["version"] and m == "GET":
            return Response(200, {"major": "1", "minor": "31", "gitVersion": "v1.31.4-fake",
                                  "gitCommit": "0000000000000000000000000000000000000000",
                                  "gitTreeState": "clean", "buildDate": "2024-12-10T11:37:19Z",
                                  "goVersion": "go1.22.10", "compiler": "gc", "platform": "linux/amd64"})
        if s == ["api"] and m == "GET":
            return Response(200, {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [
                {"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1:%d" % self.port}]})
        if len(s) < 2 or s[:2] != ["api", "v1"]:
            self.no_route()
        r = s[2:]
        with self.lock:
            if r == ["nodes"]:
                self.allow(m, "GET", "POST")
                if m == "POST":
                    return self.create_node(req)
                return self.list_objects(req, list(self.nodes.values()), "NodeList", NODE_FIELDS)
            if len(r) in (2, 3) and r[0] == "nodes" and (len(r) == 2 or r[2] == "status"):
                if len(r) == 2:
                    self.allow(m, "GET", "PATCH", "DELETE")
                else:
                    self.allow(m, "GET", "PATCH")
                if m == "PATCH":  # like the real server: the media type before the object
                    self.check_patch_type(req)
                node = self.nodes.get(r[1])
                if node is None:
                    not_found("nodes", r[1])
                if m == "GET":
                    return Response(200, self.with_kind(node, "Node"))
                if m == "DELETE":
                    del self.nodes[r[1]]
                    return Response(200, self.with_kind(node, "Node"))
                return self.patch(req, node, "Node", "nodes", status=len(r) == 3,
                                  store=lambda o: self.nodes.__setitem__(r[1], o))
            if r == ["pods"]:
                self.allow(m, "GET")
                self.check_forbidden(req, "list", None)
                return self.list_objects(req, list(self.pods.values()), "PodList", POD_FIELDS)
            if r == ["namespaces"]:
                self.allow(m, "GET")
                return Response(200, {"kind": "NamespaceList", "apiVersion": "v1",
                                      "metadata": {"resourceVersion": str(self.cur_rv)},
                                      "items": list(self.namespaces.values())})
            if len(r) == 2 and r[0] == "namespaces":
                self.allow(m, "GET")
                if r[1] not in self.namespaces:
                    not_found("namespaces", r[1])
                return Response(200, self.with_kind(self.namespaces[r[1]], "Namespace"))
            if len(r) >= 3 and r[0] == "namespaces" and r[2] == "pods":
                ns = r[1]
                if len(r) == 3:
                    self.allow(m, "GET", "POST")
                    if m == "GET":
                        self.check_forbidden(req, "list", ns)
                        pods = [p for (pns, _), p in self.pods.items() if pns == ns]
                        return self.list_objects(req, pods, "PodList", POD_FIELDS)
                    self.check_forbidden(req, "create", ns)
                    self.check_node(req, "create", ns, None, None, None)
                    return self.create_pod(req, ns)
                name = r[3]
                if len(r) == 4:
                    self.allow(m, "GET", "PATCH", "PUT", "DELETE")
                elif len(r) == 5 and r[4] == "status":
                    self.allow(m, "GET", "PATCH")
                elif len(r) == 5 and r[4] == "binding":
                    self.allow(m, "POST")
                else:
                    self.no_route()
                verb = {"GET": "get", "PATCH": "patch", "PUT": "update", "DELETE": "delete", "POST": "create"}[m]
                self.check_forbidden(req, verb, ns, name=name, subresource=r[4] if len(r) == 5 else None)
                pod = self.pods.get((ns, name))
                self.check_node(req, verb, ns, name, r[4] if len(r) == 5 else None, pod)
                if m == "PATCH":  # like the real server: the media type before the object
                    self.check_patch_type(req)
                if m == "PUT":
                    return self.put_pod(req, ns, name, pod)
                if m == "POST":
                    return self.bind_pod(req, ns, name, pod)
                if pod is None:
                    not_found("pods", name)
                if m == "GET":
                    return Response(200, self.with_kind(pod, "Pod"))
                if m == "DELETE":
                    return self.delete_pod(req, ns, name, pod)
                return self.patch(req, pod, "Pod", "pods", status=len(r) == 5,
                                  store=lambda o: self.pods.__setitem__((ns, name), o))
        self.no_route()

    @staticmethod
    def no_route():
        fail(404, "NotFound", "the server could not find the requested resource", {})

    @staticmethod
    def allow(method, *allowed):
        if method not in allowed:
            fail(405, "MethodNotAllowed", "the server does not allow this method on the requested resource",
                 {}, headers={"Allow": ", ".join(allowed)})

    @staticmethod
    def with_kind(obj, kind):
        out = {"kind": kind, "apiVersion": "v1"}
        out.update(obj)
        return out

    def list_objects(self, req, items, kind, fields):
        q = req.query
        if q.get("watch") in ("1", "true"):
            bad_request("watch is not supported by the fake API server")
        try:
            lpreds = parse_label_selector(q.get("labelSelector", ""))
        except ValueError as e:
            bad_request("unable to parse requirement: %s" % e)
        try:
            fpreds = parse_field_selector(q.get("fieldSelector", ""), fields)
        except KeyError as e:
            bad_request('field label not supported: %s' % e.args[0])
        except ValueError as e:
            bad_request(str(e))
        out = [o for o in items
               if all(p(o.get("metadata", {}).get("labels", {}) or {}) for p in lpreds)
               and all(p(o) for p in fpreds)]
        meta = {"resourceVersion": str(self.cur_rv)}
        start = 0
        if q.get("continue"):
            try:
                tok = json.loads(base64.urlsafe_b64decode(q["continue"] + "==").decode())
                start = int(tok["o"])
                if tok.get("rv") != self.cur_rv:
                    raise ValueError
            except (ValueError, KeyError, TypeError):
                fail(410, "Expired", "The provided continue parameter is too old to display a consistent "
                                     "list result. You can start a new list without the continue parameter.")
        limit = int(q.get("limit") or 0)
        if limit > 0 and start + limit < len(out):
            meta["continue"] = base64.urlsafe_b64encode(
                json.dumps({"o": start + limit, "rv": self.cur_rv}).encode()).decode().rstrip("=")
            meta["remainingItemCount"] = len(out) - start - limit
            out = out[start:start + limit]
        else:
            out = out[start:]
        return Response(200, {"kind": kind, "apiVersion": "v1", "metadata": meta, "items": out})

    # ---- create --------------------------------------------------------------
    def create_pod(self, req, ns):
        try:
            body = req.json()
        except ValueError as e:
            bad_request('Pod in version "v1" cannot be handled as a Pod: %s' % e)
        if not isinstance(body, dict):
            bad_request('Pod in version "v1" cannot be handled as a Pod: body is not an object')
        if body.get("kind") not in (None, "Pod") or body.get("apiVersion") not in (None, "v1"):
            bad_request('the API version in the data (%s) does not match the expected API version (v1)'
                        % body.get("apiVersion"))
        md = body.setdefault("metadata", {})
        if not isinstance(md, dict):
            bad_request('Pod in version "v1" cannot be handled as a Pod: metadata is not an object')
        if md.get("namespace") not in (None, "", ns):
            bad_request("the namespace of the provided object does not match the namespace sent on the request")
        if ns not in self.namespaces:
            not_found("namespaces", ns)
        if not md.get("name") and md.get("generateName"):
            import random
            import string
            md["name"] = md["generateName"] + "".join(random.choice(string.ascii_lowercase + string.digits)
                                                      for _ in range(5))
        name = md.get("name") or ""
        spec = body.setdefault("spec", {})
        causes = []
        if not name:
            causes.append(("metadata.name", "FieldValueRequired", "Required value: name or generateName is required"))
        elif len(name) > 253 or not DNS1123_SUBDOMAIN.match(name):
            causes.append(("metadata.name", "FieldValueInvalid", 'Invalid value: "%s": %s' % (name, SUBDOMAIN_MSG)))
        if not isinstance(spec, dict):
            bad_request('Pod in version "v1" cannot be handled as a Pod: spec is not an object')
        containers = spec.get("containers")
        if not containers:
            causes.append(("spec.containers", "FieldValueRequired", "Required value"))
        try:
            for kind in ("initContainers", "containers"):
                for i, c in enumerate(spec.get(kind) or []):
                    causes.extend(self.validate_container(c, "spec.%s[%d]" % (kind, i)))
        except ValueError as e:
            bad_request('Pod in version "v1" cannot be handled as a Pod: %s' % e)
        if causes:
            invalid("Pod", name, causes)
        if (ns, name) in self.pods:
            fail(409, "AlreadyExists", 'pods "%s" already exists' % name, {"name": name, "kind": "pods"})
        pod = self.default_pod(body, ns, req)
        self.pods[(ns, name)] = pod
        if self.args.auto_run is not None:
            t = threading.Timer(self.args.auto_run, self.run_pod, args=(ns, name, pod["metadata"]["uid"]))
            t.daemon = True
            t.start()
        return Response(201, self.with_kind(pod, "Pod"))

    @staticmethod
    def validate_container(c, field):
        causes = []
        if not isinstance(c, dict):
            raise ValueError("%s is not an object" % field)
        cname = c.get("name")
        if not cname:
            causes.append((field + ".name", "FieldValueRequired", "Required value"))
        elif not DNS1123_LABEL.match(cname) or len(cname) > 63:
            causes.append((field + ".name", "FieldValueInvalid", 'Invalid value: "%s": %s' % (cname, LABEL_MSG)))
        if not c.get("image"):
            causes.append((field + ".image", "FieldValueRequired", "Required value"))
        res = c.get("resources") or {}
        req, lim = res.get("requests") or {}, res.get("limits") or {}
        for q in list(req.values()) + list(lim.values()):
            parse_quantity(q)
        for r in ("cpu", "memory", "ephemeral-storage"):
            if r in req and r in lim and parse_quantity(req[r]) > parse_quantity(lim[r]):
                causes.append((field + ".resources.requests", "FieldValueInvalid",
                               'Invalid value: "%s": must be less than or equal to %s limit of %s'
                               % (req[r], r, lim[r])))
        return causes

    def default_pod(self, body, ns, req):
        pod = copy.deepcopy(body)
        pod.pop("kind", None)
        pod.pop("apiVersion", None)
        md = pod["metadata"]
        ts = now_rfc3339()
        new_md = {"name": md["name"], "namespace": ns, "uid": str(uuid.uuid4()), "resourceVersion": self.bump(),
                  "creationTimestamp": ts}
        for k, v in md.items():
            if k not in new_md and k not in ("resourceVersion", "uid", "creationTimestamp", "managedFields"):
                new_md[k] = v
        agent = (req.header("User-Agent") or "unknown").split("/")[0]
        new_md["managedFields"] = [{"manager": agent, "operation": "Update", "apiVersion": "v1", "time": ts,
                                    "fieldsType": "FieldsV1", "fieldsV1": {"f:metadata": {}, "f:spec": {}}}]
        pod["metadata"] = new_md
        spec = pod["spec"]
        for kind in ("initContainers", "containers"):
            for c in spec.get(kind) or []:
                res = c.get("resources")
                if res and res.get("limits"):
                    reqs = res.setdefault("requests", {})
                    for r, v in res["limits"].items():
                        reqs.setdefault(r, v)
                c.setdefault("terminationMessagePath", "/dev/termination-log")
                c.setdefault("terminationMessagePolicy", "File")
                image = c.get("image", "")
                tagged = ":" in image.rsplit("/", 1)[-1] or "@" in image
                c.setdefault("imagePullPolicy", "IfNotPresent" if tagged and not image.endswith(":latest")
                             else "Always")
        for k, v in (("restartPolicy", "Always"), ("terminationGracePeriodSeconds", 30),
                     ("dnsPolicy", "ClusterFirst"), ("serviceAccountName", "default"),
                     ("serviceAccount", "default"), ("securityContext", {}),
                     ("schedulerName", "default-scheduler"), ("priority", 0), ("enableServiceLinks", True),
                     ("preemptionPolicy", "PreemptLowerPriority")):
            spec.setdefault(k, v)
        tol = spec.setdefault("tolerations", [])
        for key in ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"):
            if not any(t.get("key") == key for t in tol):
                tol.append({"key": key, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300})
        pod["status"] = {"phase": "Pending", "qosClass": self.qos_class(spec)}
        return pod

    @staticmethod
    def qos_class(spec):
        cs = (spec.get("containers") or []) + (spec.get("initContainers") or [])
        any_set, guaranteed = False, True
        for c in cs:
            res = c.get("resources") or {}
            req, lim = res.get("requests") or {}, res.get("limits") or {}
            if req or lim:
                any_set = True
            for r in ("cpu", "memory"):
                if r not in lim or (r in req and parse_quantity(req[r]) != parse_quantity(lim[r])):
                    guaranteed = False
        if not any_set:
            return "BestEffort"
        return "Guaranteed" if guaranteed else "Burstable"

    def run_pod(self, ns, name, uid):
        with self.lock:
            pod = self.pods.get((ns, name))
            if pod is None or pod["metadata"]["uid"] != uid or pod["status"].get("phase") != "Pending":
                return
            pod = copy.deepcopy(pod)
            spec, st = pod["spec"], pod["status"]
            node = spec.get("nodeName")
            if not node:
                for n in self.nodes.values():
                    taints = n.get("spec", {}).get("taints") or []
                    if not n.get("spec", {}).get("unschedulable") and not any(
                            t.get("effect") in ("NoSchedule", "NoExecute") for t in taints):
                        node = n["metadata"]["name"]
                        break
                spec["nodeName"] = node or "fake-node"
            host_ip = "127.0.0.1"
            for a in self.nodes.get(spec["nodeName"], {}).get("status", {}).get("addresses", []):
                if a.get("type") == "InternalIP":
                    host_ip = a["address"]
            ts = now_rfc3339()
            ip = "10.244.%d.%d" % divmod(next(self.ip_counter), 250)
            st.update({"phase": "Running", "hostIP": host_ip, "hostIPs": [{"ip": host_ip}], "podIP": ip,
                       "podIPs": [{"ip": ip}], "startTime": ts,
                       "conditions": [{"type": t, "status": "True", "lastProbeTime": None,
                                       "lastTransitionTime": ts}
                                      for t in ("PodReadyToStartContainers", "Initialized", "Ready",
                                                "ContainersReady", "PodScheduled")],
                       "containerStatuses": [{"name": c.get("name"), "state": {"running": {"startedAt": ts}},
                                              "lastState": {}, "ready": True, "restartCount": 0,
                                              "image": c.get("image"), "imageID": "", "containerID":
                                              "containerd://" + uuid.uuid4().hex + uuid.uuid4().hex,
                                              "started": True}
                                             for c in spec.get("containers") or []]})
            pod["metadata"]["resourceVersion"] = self.bump()
            self.pods[(ns, name)] = pod

    # ---- nodes, binding, delete ---------------------------------------------------
    def create_node(self, req):
        try:
            body = req.json()
        except ValueError as e:
            bad_request('Node in version "v1" cannot be handled as a Node: %s' % e)
        if not isinstance(body, dict) or body.get("kind") not in (None, "Node"):
            bad_request('Node in version "v1" cannot be handled as a Node: not a Node')
        md = body.get("metadata") or {}
        name = md.get("name") or ""
        if not name:
            invalid("Node", name, [("metadata.name", "FieldValueRequired",
                                    "Required value: name or generateName is required")])
        if len(name) > 253 or not DNS1123_SUBDOMAIN.match(name):
            invalid("Node", name, [("metadata.name", "FieldValueInvalid",
                                    'Invalid value: "%s": %s' % (name, SUBDOMAIN_MSG))])
        if name in self.nodes:
            fail(409, "AlreadyExists", 'nodes "%s" already exists' % name, {"name": name, "kind": "nodes"})
        node = copy.deepcopy(body)
        node.pop("kind", None)
        node.pop("apiVersion", None)
        node["metadata"] = {k: v for k, v in md.items() if k not in ("uid", "resourceVersion", "creationTimestamp")}
        node["metadata"].update({"uid": str(uuid.uuid4()), "resourceVersion": self.bump(),
                                 "creationTimestamp": now_rfc3339()})
        spec = node.setdefault("spec", {})
        # the TaintNodesByCondition admission plugin: a new node is not ready until the node
        # lifecycle controller (not played here) has seen it Ready and removes the taint
        taints = spec.setdefault("taints", [])
        if not any(t.get("key") == "node.kubernetes.io/not-ready" and t.get("effect") == "NoSchedule" for t in taints):
            taints.append({"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"})
        # a real server keeps a status given on create; a kubelet sends it through /status
        node.setdefault("status", {"daemonEndpoints": {"kubeletEndpoint": {"Port": 0}},
                                   "nodeInfo": {k: "" for k in ("machineID", "systemUUID", "bootID",
                                                                "kernelVersion", "osImage",
                                                                "containerRuntimeVersion", "kubeletVersion",
                                                                "kubeProxyVersion", "operatingSystem",
                                                                "architecture")}})
        self.nodes[name] = node
        return Response(201, self.with_kind(node, "Node"))

    def bind_pod(self, req, ns, name, pod):
        """POST .../pods/{name}/binding, what a scheduler does: sets spec.nodeName once."""
        try:
            body = req.json()
        except ValueError as e:
            bad_request('Binding in version "v1" cannot be handled as a Binding: %s' % e)
        target = (body or {}).get("target") or {} if isinstance(body, dict) else {}
        node = target.get("name") or ""
        if not node:
            invalid("Binding", name, [("target.name", "FieldValueRequired", "Required value")])
        if pod is None:
            not_found("pods", name)
        if pod["metadata"].get("deletionTimestamp"):
            fail(409, "Conflict", 'Operation cannot be fulfilled on pods/binding "%s": pod %s is being deleted, '
                                  'cannot be assigned to a host' % (name, name), {"name": name, "kind": "pods/binding"})
        if pod.get("spec", {}).get("nodeName"):
            fail(409, "Conflict", 'Operation cannot be fulfilled on pods/binding "%s": pod %s is already assigned '
                                  'to node "%s"' % (name, name, pod["spec"]["nodeName"]),
                 {"name": name, "kind": "pods/binding"})
        pod = copy.deepcopy(pod)
        pod["spec"]["nodeName"] = node
        conds = [c for c in pod.setdefault("status", {}).get("conditions") or [] if c.get("type") != "PodScheduled"]
        conds.append({"type": "PodScheduled", "status": "True", "lastProbeTime": None,
                      "lastTransitionTime": now_rfc3339()})
        pod["status"]["conditions"] = conds
        pod["metadata"]["resourceVersion"] = self.bump()
        self.pods[(ns, name)] = pod
        return Response(201, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201})

    def delete_pod(self, req, ns, name, pod):
        """Like the real server: a pod on no node, or finished, goes at once; a bound one gets a
        deletionTimestamp and waits for its kubelet (--auto-run plays it: the pod goes after
        min(grace, auto-run) seconds; without it the pod stays Terminating), unless
        gracePeriodSeconds=0."""
        q = req.query.get("gracePeriodSeconds")
        try:
            grace = int(q) if q not in (None, "") else int(pod.get("spec", {}).get("terminationGracePeriodSeconds", 30))
        except ValueError:
            bad_request("gracePeriodSeconds: invalid value %r" % q)
        if not pod.get("spec", {}).get("nodeName") or pod.get("status", {}).get("phase") in ("Succeeded", "Failed"):
            grace = 0
        md = pod["metadata"]
        if grace <= 0:
            del self.pods[(ns, name)]
            out = copy.deepcopy(pod)
            out["metadata"]["resourceVersion"] = self.bump()
            return Response(200, self.with_kind(out, "Pod"))
        old = md.get("deletionGracePeriodSeconds")
        if old is None or grace < old:
            pod = copy.deepcopy(pod)
            when = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=grace)
            pod["metadata"]["deletionTimestamp"] = when.strftime("%Y-%m-%dT%H:%M:%SZ")
            pod["metadata"]["deletionGracePeriodSeconds"] = grace
            pod["metadata"]["resourceVersion"] = self.bump()
            self.pods[(ns, name)] = pod
            if self.args.auto_run is not None:
                t = threading.Timer(min(grace, self.args.auto_run), self.reap_pod, args=(ns, name, md["uid"]))
                t.daemon = True
                t.start()
        return Response(200, self.with_kind(pod, "Pod"))

    def reap_pod(self, ns, name, uid):
        with self.lock:
            pod = self.pods.get((ns, name))
            if pod is not None and pod["metadata"]["uid"] == uid:
                del self.pods[(ns, name)]
                self.bump()

    # ---- update -----------------------------------------------------------------
    def put_pod(self, req, ns, name, pod):
        if pod is None:
            not_found("pods", name)
        try:
            body = req.json()
        except ValueError as e:
            bad_request('Pod in version "v1" cannot be handled as a Pod: %s' % e)
        md = body.get("metadata") or {}
        if md.get("name") != name:
            bad_request("the name of the object (%s) does not match the name on the URL (%s)" % (md.get("name"), name))
        if md.get("resourceVersion") and md["resourceVersion"] != pod["metadata"]["resourceVersion"]:
            self.conflict(name)
        new = copy.deepcopy(body)
        new.pop("kind", None)
        new.pop("apiVersion", None)
        return self.store_update(pod, new, "Pod", status=False,
                                 store=lambda o: self.pods.__setitem__((ns, name), o))

    @staticmethod
    def conflict(name, resource="pods"):
        fail(409, "Conflict", 'Operation cannot be fulfilled on %s "%s": the object has been modified; please '
                              'apply your changes to the latest version and try again' % (resource, name),
             {"name": name, "kind": resource})

    @staticmethod
    def check_patch_type(req):
        if req.content_type() not in PATCH_TYPES:
            fail(415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted media "
                                              "types include: " + ", ".join(PATCH_TYPES))

    def patch(self, req, obj, kind, resource, status, store):
        self.check_patch_type(req)
        ct = req.content_type()
        try:
            p = req.json()
        except ValueError as e:
            bad_request("error decoding patch: %s" % e)
        name = obj["metadata"]["name"]
        try:
            if ct == "application/json-patch+json":
                new = json_patch(obj, p)
            else:
                if not isinstance(p, dict):
                    bad_request("json: cannot unmarshal %s into Go value of type map[string]interface {}"
                                % type(p).__name__)
                want_rv = (p.get("metadata") or {}).get("resourceVersion")
                if want_rv and want_rv != obj["metadata"].get("resourceVersion"):
                    self.conflict(name, resource)
                if ct == "application/strategic-merge-patch+json":
                    new = strategic_merge_patch(obj, p)
                else:  # merge patch; a JSON apply patch is treated the same way here
                    new = merge_patch(obj, p)
        except ValueError as e:
            fail(422, "Invalid", str(e), {"name": name, "kind": kind})
        return self.store_update(obj, new, kind, status, store)

    def store_update(self, old, new, kind, status, store):
        if not isinstance(new, dict):
            bad_request("patched object is not an object")
        md = new.setdefault("metadata", {})
        for k in ("name", "namespace", "uid", "creationTimestamp"):
            if k in old["metadata"]:
                md[k] = old["metadata"][k]
        if status:  # /status ignores spec changes
            new["spec"] = copy.deepcopy(old.get("spec", {}))
        elif "status" in old:  # the object itself ignores status changes
            new["status"] = copy.deepcopy(old["status"])
        def strip(o):
            o = copy.deepcopy(o)
            o.get("metadata", {}).pop("resourceVersion", None)
            return o
        if strip(new) != strip(old):  # like the real server, a no-op patch keeps the resourceVersion
            md["resourceVersion"] = self.bump()
        else:
            md["resourceVersion"] = old["metadata"].get("resourceVersion")
        store(new)
        return Response(200, self.with_kind(new, kind))


if __name__ == "__main__":
    fakebase.main(KubeApp)
