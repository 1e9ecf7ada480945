#!/usr/bin/python3
"""Fake ONOS northbound REST API v1 (the subset vdno-scheduler uses), fed by test/fixtures/onos.

Read-only views from the fixture files (overridable through /_fake/state): /hosts, /devices,
/devices/{id}/ports, /links, /paths/{src}/{dst} (computed: every equal-cost shortest path),
/statistics/ports, /statistics/delta/ports, /statistics/flows/link, /topology, /network/configuration.
Stateful: POST /applications/{app}/register, POST/GET/DELETE /intents.  HTTP basic auth.
"""

import base64
import collections
import copy
import glob
import json
import os
import re
import sys
import time
from decimal import Decimal

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakebase  # noqa: E402
from fakebase import HTTPError, Response  # noqa: E402

HOST_ID_RE = re.compile(r"^([0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5})/(.+)$")
MAC_RE = re.compile(r"^[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}$")
INTENT_TYPES = ("HostToHostIntent", "PointToPointIntent", "SinglePointToMultiPointIntent",
                "MultiPointToSinglePointIntent")
LINK_TYPE_CONSTRAINT = {"inclusive": False, "types": ["OPTICAL"], "type": "LinkTypeConstraint"}
JETTY_401 = """<html>
<head>
<meta http-equiv="Content-Type" content="text/html;charset=ISO-8859-1"/>
<title>Error 401 Unauthorized</title>
</head>
<body><h2>HTTP ERROR 401 Unauthorized</h2>
<table>
<tr><th>URI:</th><td>%s</td></tr>
<tr><th>STATUS:</th><td>401</td></tr>
<tr><th>MESSAGE:</th><td>Unauthorized</td></tr>
<tr><th>SERVLET:</th><td>-</td></tr>
</table>

</body>
</html>
"""


# ---------------------------------------------------------------- Java-like JSON output
def java_double(x):
    """Java's Double.toString: plain in [1e-3, 1e7), else d.dddE[-]n (e.g. 5.0E8)."""
    x = float(x)
    if x != x or x in (float("inf"), float("-inf")):
        return "NaN" if x != x else ("Infinity" if x > 0 else "-Infinity")
    if x == 0:
        return "-0.0" if str(x).startswith("-") else "0.0"
    a = abs(x)
    if 1e-3 <= a < 1e7:
        r = repr(x)
        return r if "." in r else r + ".0"
    sign, digits, exp = Decimal(repr(x)).as_tuple()
    digits = "".join(map(str, digits))
    sci = len(digits) + exp - 1  # value = int(digits) * 10**exp
    digits = digits.rstrip("0") or "0"
    mant = digits[0] + "." + (digits[1:] or "0")
    return ("-" if sign else "") + mant + "E" + str(sci)


def onos_dumps(o):
    if isinstance(o, dict):
        return "{" + ",".join(json.dumps(str(k)) + ":" + onos_dumps(v) for k, v in o.items()) + "}"
    if isinstance(o, (list, tuple)):
        return "[" + ",".join(onos_dumps(v) for v in o) + "]"
    if isinstance(o, bool) or o is None or isinstance(o, (int, str)):
        return json.dumps(o)
    if isinstance(o, float):
        return java_double(o)
    raise TypeError("cannot encode %r" % (o,))


def java_long_decode(s):
    """Long.decode: [+-] then 0x/0X/# hex, 0 octal, or decimal. Raises ValueError with Java's message."""
    if s == "":
        raise ValueError("Zero length string")
    i, neg = 0, False
    if s[0] in "+-":
        neg, i = s[0] == "-", 1
    radix = 10
    if s.startswith(("0x", "0X"), i):
        radix, i = 16, i + 2
    elif s.startswith("#", i):
        radix, i = 16, i + 1
    elif s.startswith("0", i) and len(s) > i + 1:
        radix, i = 8, i + 1
    body = s[i:]
    if body.startswith(("+", "-")) or body == "":
        raise ValueError('For input string: "%s"' % (body if radix != 10 else s))
    try:
        v = int(body, radix)
    except ValueError:
        raise ValueError('For input string: "%s"' % (body if radix != 10 else s))
    v = -v if neg else v
    if not -(2 ** 63) <= v < 2 ** 63:
        raise ValueError('For input string: "%s"' % s)
    return v


def norm_host_id(h):
    m = HOST_ID_RE.match(h or "")
    if not m:
        return None
    vlan = m.group(2)
    if vlan in ("-1", "None", "none"):
        vlan = "None"
    return m.group(1).upper() + "/" + vlan


def unwrap(v, member):
    if isinstance(v, dict) and member in v:
        v = v[member]
    return v


class OnosApp(fakebase.FakeApp):
    """Fake ONOS REST API."""

    name = "onos"
    server_header = "Jetty(9.4.z-SNAPSHOT)"

    @classmethod
    def add_arguments(cls, p):
        p.add_argument("--user", default="onos")
        p.add_argument("--password", default="rocks")
        p.add_argument("--no-auth", action="store_true")
        p.add_argument("--fixtures", default=fakebase.fixtures_dir("onos"),
                       help="directory of ONOS fixture files (default %(default)s)")
        p.add_argument("--seed-intents", action="store_true",
                       help="start with the intents of intents-detail.json (and their apps registered)")
        p.add_argument("--intent-state", default="INSTALLED",
                       help="state of newly submitted intents (default %(default)s)")

    def __init__(self, args):
        super().__init__(args)
        d = args.fixtures

        def load(name, member=None, default=None):
            path = os.path.join(d, name)
            if not os.path.exists(path):
                return copy.deepcopy(default)
            with open(path) as f:
                v = json.load(f)
            return v[member] if member else v
        self.hosts = load("hosts.json", "hosts", [])
        self.devices = load("devices.json", "devices", [])
        self.links = load("links.json", "links", [])
        self.statistics = load("statistics-delta-ports.json", "statistics", [])
        self.port_statistics = load("statistics-ports.json", "statistics", [])
        self.flow_loads = load("statistics-flows-link.json", "loads", [])
        self.netcfg = load("network-configuration.json", None,
                           {"apps": {}, "devices": {}, "ports": {}, "hosts": {}, "links": {}, "regions": {},
                            "layouts": {}})
        self.ports = collections.OrderedDict()
        for path in sorted(glob.glob(os.path.join(d, "ports-*.json"))):
            with open(path) as f:
                v = json.load(f)
            self.ports[v["id"]] = v.get("ports", [])
        self.apps = collections.OrderedDict([("org.onosproject.cli", 3)])
        self.next_app_id = 187
        self.intents = collections.OrderedDict()  # (appId, key) -> detail object
        self.next_intent_id = 0x10
        self.new_intent_state = args.intent_state
        if args.seed_intents:
            for it in load("intents-detail.json", "intents", []):
                self.register(it["appId"])
                self.intents[(it["appId"], it["key"])] = it
                self.next_intent_id = max(self.next_intent_id, int(it["id"], 16) + 1)

    # ---- protocol -------------------------------------------------------------
    def error_body(self, status, message):
        return {"code": status, "message": message}

    @staticmethod
    def fail(status, message):
        raise HTTPError(status, onos_dumps({"code": status, "message": message}))

    def ok(self, obj, status=200):
        return Response(status, onos_dumps(obj))

    def authenticate(self, req):
        if self.args.no_auth:
            return None
        auth = req.header("Authorization") or ""
        if auth.lower().startswith("basic "):
            try:
                u, _, pw = base64.b64decode(auth[6:].strip()).decode("utf-8").partition(":")
            except (ValueError, UnicodeDecodeError):
                u, pw = None, None
            if u == self.args.user and pw == self.args.password:
                req.user = u
                return None
        return Response(401, JETTY_401 % req.raw_path, "text/html;charset=iso-8859-1",
                        {"WWW-Authenticate": 'Basic realm="karaf"'})

    # ---- lookups --------------------------------------------------------------------
    def device(self, did):
        return next((d for d in self.devices if d.get("id") == did), None)

    def host(self, hid):
        hid = norm_host_id(hid)
        if hid is None:
            return None
        return next((h for h in self.hosts if norm_host_id(h.get("id")) == hid), None)

    @staticmethod
    def host_location(h):
        locs = h.get("locations") or ([h["location"]] if h.get("location") else [])
        return locs[0] if locs else None

    def register(self, name):
        if name not in self.apps:
            self.apps[name] = self.next_app_id
            self.next_app_id += 1
        return {"id": self.apps[name], "name": name}

    # ---- routing ----------------------------------------------------------------------
    def route(self, req):
        s = req.segments
        if s[:2] != ["onos", "v1"]:
            self.fail(404, "HTTP 404 Not Found")
        r, m = s[2:], req.method
        with self.lock:
            if not r:
                self.fail(404, "HTTP 404 Not Found")
            head = r[0]
            if head == "applications" and len(r) == 3 and r[2] == "register":
                self.allow(m, "POST")
                return self.ok(self.register(r[1]))
            if head == "intents":
                return self.route_intents(req, r[1:], m)
            if head == "network" and r[1:2] == ["configuration"]:
                return self.route_netcfg(req, r[2:], m)
            self.allow(m, "GET")
            if head == "hosts":
                return self.route_hosts(r[1:])
            if head == "devices":
                return self.route_devices(r[1:])
            if head == "links" and len(r) == 1:
                return self.route_links(req)
            if head == "paths":
                return self.route_paths(r[1:])
            if head == "statistics":
                return self.route_statistics(req, r[1:])
            if head == "topology":
                return self.route_topology(r[1:])
        self.fail(404, "HTTP 404 Not Found")

    def allow(self, method, *allowed):
        if method not in allowed:
            raise HTTPError(405, onos_dumps({"code": 405, "message": "HTTP 405 Method Not Allowed"}),
                            headers={"Allow": ", ".join(allowed)})

    # ---- read-only resources --------------------------------------------------------------
    def route_hosts(self, r):
        if not r:
            return self.ok({"hosts": self.hosts})
        if len(r) == 1:
            hid = r[0]
        elif len(r) == 2:
            hid = r[0] + "/" + r[1]
        else:
            self.fail(404, "HTTP 404 Not Found")
        h = self.host(hid)
        if h is None:
            self.fail(404, "Host is not found")
        return self.ok(h)

    def route_devices(self, r):
        if not r:
            return self.ok({"devices": self.devices})
        if r == ["ports"]:
            return self.ok({"ports": [p for ps in self.ports.values() for p in ps]})
        d = self.device(r[0])
        if len(r) > 2 or (len(r) == 2 and r[1] != "ports"):
            self.fail(404, "HTTP 404 Not Found")
        if d is None:
            self.fail(404, "Device is not found")
        if len(r) == 1:
            return self.ok(d)
        out = dict(d)
        out["ports"] = self.ports.get(d["id"], [])
        return self.ok(out)

    def route_links(self, req):
        dev, port = req.query.get("device"), req.query.get("port")
        direction = (req.query.get("direction") or "ALL").upper()
        if direction not in ("ALL", "INGRESS", "EGRESS"):
            self.fail(400, "No enum constant org.onosproject.rest.resources.LinksWebResource.Direction.%s"
                      % direction)
        if not dev:
            return self.ok({"links": self.links})

        def at(end):
            return end.get("device") == dev and (port is None or end.get("port") == port)
        out = []
        for ln in self.links:
            if direction in ("ALL", "EGRESS") and at(ln["src"]):
                out.append(ln)
            elif direction in ("ALL", "INGRESS") and at(ln["dst"]):
                out.append(ln)
        return self.ok({"links": out})

    def route_statistics(self, req, r):
        if r[:1] == ["delta"]:
            data, r = self.statistics, r[1:]
            if r[:1] != ["ports"]:
                self.fail(404, "HTTP 404 Not Found")
        elif r[:1] == ["ports"]:
            data = self.port_statistics
        elif r[:2] == ["flows", "link"] and len(r) == 2:
            now = int(time.time() * 1000)
            loads = [dict(ld, time=now) for ld in self.flow_loads]
            dev, port = req.query.get("device"), req.query.get("port")
            if dev and port:
                loads = [ld for ld in loads if ld["link"].endswith("device=%s&port=%s" % (dev, port))]
            return self.ok({"loads": loads})
        else:
            self.fail(404, "HTTP 404 Not Found")
        rest = r[1:]
        if not rest:
            return self.ok({"statistics": data})
        if len(rest) > 2:
            self.fail(404, "HTTP 404 Not Found")
        dev = rest[0]
        entry = next((e for e in data if e.get("device") == dev), {"device": dev, "ports": []})
        ports = entry.get("ports", [])
        if len(rest) == 2:
            ports = [p for p in ports if str(p.get("port")) == rest[1]]
        return self.ok({"statistics": [{"device": dev, "ports": ports}]})

    def route_topology(self, r):
        devs = [d["id"] for d in self.devices]
        if not r:
            return self.ok({"time": time.monotonic_ns(), "devices": len(devs),
                            "links": len(self.links), "clusters": 1 if devs else 0})
        cluster = {"id": 0, "deviceCount": len(devs), "linkCount": len(self.links), "root": min(devs) if devs else ""}
        if r == ["clusters"]:
            return self.ok({"clusters": [cluster] if devs else []})
        if len(r) >= 2 and r[0] == "clusters":
            if r[1] != "0" or not devs:
                self.fail(404, "Cluster is not found")
            if len(r) == 2:
                return self.ok(cluster)
            if r[2:] == ["devices"]:
                return self.ok({"devices": devs})
            if r[2:] == ["links"]:
                return self.ok({"links": self.links})
        self.fail(404, "HTTP 404 Not Found")

    def route_netcfg(self, req, r, m):
        self.allow(m, "GET", "POST", "DELETE")
        if m == "GET":
            node = self.netcfg
            for seg in r:
                if not isinstance(node, dict) or seg not in node:
                    self.fail(404, "Config is not found")
                node = node[seg]
            return self.ok(node)
        if m == "DELETE":
            if r:
                node = self.netcfg
                for seg in r[:-1]:
                    node = node.get(seg, {}) if isinstance(node, dict) else {}
                if isinstance(node, dict):
                    node.pop(r[-1], None)
            return Response(204, None)
        self.require_json(req)
        try:
            body = req.json()
        except ValueError as e:
            self.fail(400, str(e))
        node = self.netcfg
        for seg in r:
            node = node.setdefault(seg, {})
        depth = 2 - len(r)  # replace at the (subject, config key) level
        self._merge_netcfg(node, body, depth)
        return Response(200, None, None)

    def _merge_netcfg(self, node, body, depth):
        for k, v in body.items():
            if depth > 0 and isinstance(v, dict) and isinstance(node.get(k), dict):
                self._merge_netcfg(node[k], v, depth - 1)
            else:
                node[k] = copy.deepcopy(v)

    # ---- paths ----------------------------------------------------------------------------
    def route_paths(self, r):
        if len(r) == 2:
            src, dst = r
        elif len(r) == 4 and MAC_RE.match(r[0]) and MAC_RE.match(r[2]):
            src, dst = r[0] + "/" + r[1], r[2] + "/" + r[3]
        elif len(r) == 3 and MAC_RE.match(r[0]):
            src, dst = r[0] + "/" + r[1], r[2]
        elif len(r) == 3 and MAC_RE.match(r[1]):
            src, dst = r[0], r[1] + "/" + r[2]
        else:
            self.fail(404, "HTTP 404 Not Found")
        return self.ok({"paths": self.compute_paths(src, dst)})

    def endpoint(self, eid):
        """-> (device id, edge link in, edge link out, host id) or None when unknown."""
        if HOST_ID_RE.match(eid):
            h = self.host(eid)
            if h is None:
                return None
            loc = self.host_location(h)
            if loc is None:
                return None
            hid = h["id"]
            dev, port = loc["elementId"], loc["port"]
            e_in = {"src": {"port": "0", "host": hid}, "dst": {"port": port, "device": dev},
                    "type": "EDGE", "state": "ACTIVE"}
            e_out = {"src": {"port": port, "device": dev}, "dst": {"port": "0", "host": hid},
                     "type": "EDGE", "state": "ACTIVE"}
            return dev, e_in, e_out, hid
        if self.device(eid) is None:
            return None
        return eid, None, None, None

    def compute_paths(self, src, dst):
        a, b = self.endpoint(src), self.endpoint(dst)
        if a is None or b is None:
            return []
        if a[0] == b[0] and a[3] is None and b[3] is None:
            self.fail(400, "List of path links cannot be empty")
        adj = collections.defaultdict(list)
        for ln in self.links:
            if ln.get("state", "ACTIVE") == "ACTIVE" and "device" in ln["src"] and "device" in ln["dst"]:
                adj[ln["src"]["device"]].append(ln)
        # BFS distances, then every shortest path
        dist = {a[0]: 0}
        frontier = [a[0]]
        while frontier and b[0] not in dist:
            nxt = []
            for u in frontier:
                for ln in adj[u]:
                    v = ln["dst"]["device"]
                    if v not in dist:
                        dist[v] = dist[u] + 1
                        nxt.append(v)
            frontier = nxt
        if b[0] not in dist:
            return []
        core_paths = []

        def walk(u, acc):
            if u == b[0]:
                core_paths.append(list(acc))
                return
            for ln in adj[u]:
                v = ln["dst"]["device"]
                if dist.get(v) == dist[u] + 1 and v in dist and dist[v] <= dist[b[0]]:
                    acc.append(ln)
                    walk(v, acc)
                    acc.pop()
        walk(a[0], [])
        out = []
        for links in core_paths:
            full = ([a[1]] if a[1] else []) + links + ([b[2]] if b[2] else [])
            if not full:
                self.fail(400, "List of path links cannot be empty")
            out.append({"cost": float(len(full)), "links": full})
        return out

    # ---- intents ----------------------------------------------------------------------------
    def find_intent(self, app, key):
        """ONOS order: string key, then Long.decode(key) as a long key (ValueError -> 400)."""
        it = self.intents.get((app, key))
        if it is not None:
            return it
        v = java_long_decode(key)  # may raise ValueError
        for (a, k), it in self.intents.items():
            if a == app and re.match(r"^0x[0-9a-fA-F]+$", k) and int(k, 16) == (v & 0xFFFFFFFFFFFFFFFF):
                return it
        return None

    def summary(self, it):
        return {k: it[k] for k in ("type", "id", "key", "appId", "resources", "state") if k in it}

    def route_intents(self, req, r, m):
        detail = req.query.get("detail", "").lower() == "true"
        if not r:
            self.allow(m, "GET", "POST")
            if m == "POST":
                return self.post_intent(req)
            its = list(self.intents.values())
            return self.ok({"intents": its if detail else [self.summary(i) for i in its]})
        if r[0] == "application" and len(r) == 2:
            self.allow(m, "GET")
            its = [i for i in self.intents.values() if i["appId"] == r[1]]
            return self.ok({"intents": its if detail else [self.summary(i) for i in its]})
        if len(r) != 2:
            self.fail(404, "HTTP 404 Not Found")
        self.allow(m, "GET", "DELETE")
        app, key = r
        if app not in self.apps:
            self.fail(404, "Application Id not found")
        try:
            it = self.find_intent(app, key)
        except ValueError as e:
            self.fail(400, str(e))
        if m == "GET":
            if it is None:
                self.fail(404, "Intent is not found")
            return self.ok(it)
        if it is not None:
            del self.intents[(it["appId"], it["key"])]
        return Response(204, None)

    def require_json(self, req):
        # Jersey resources declare @Consumes(application/json): anything else is refused before the
        # resource runs (libcurl's default for POSTFIELDS is application/x-www-form-urlencoded).
        if req.content_type() != "application/json":
            self.fail(415, "HTTP 415 Unsupported Media Type")

    def post_intent(self, req):
        self.require_json(req)
        try:
            body = req.json()
        except ValueError as e:
            self.fail(400, "Unexpected character or end of input: %s" % e)
        if not isinstance(body, dict):
            self.fail(400, "Intent JSON must be an object")
        typ = body.get("type")
        if typ is None:
            self.fail(400, "type member is required in Intent")
        if typ not in INTENT_TYPES:
            self.fail(400, "Intent type %s is not supported" % typ)
        app = body.get("appId")
        if app is None:
            self.fail(400, "appId member is required in Intent")
        if app not in self.apps:
            self.fail(404, "Application ID is not found")
        it = {"type": typ, "id": None, "key": None, "appId": app, "resources": [], "state": self.new_intent_state,
              "selector": body.get("selector") or {"criteria": []},
              "treatment": body.get("treatment") or {"instructions": [], "deferred": []},
              "priority": int(body.get("priority", 100))}
        constraints = []
        for c in body.get("constraints") or []:
            if not isinstance(c, dict) or "type" not in c:
                self.fail(400, "type member is required in Constraint")
            c = dict(c)
            if c["type"] == "BandwidthConstraint":
                try:
                    c = {"bandwidth": float(c["bandwidth"]), "type": "BandwidthConstraint"}
                except (KeyError, TypeError, ValueError):
                    self.fail(400, "bandwidth member is required in BandwidthConstraint")
            constraints.append(c)
        if typ == "HostToHostIntent":
            ends = []
            for member in ("one", "two"):
                hid = norm_host_id(body.get(member))
                if hid is None:
                    self.fail(400, "%s member is required in HostToHostIntent" % member)
                ends.append(hid)
            it["resources"] = list(ends)
            constraints = [dict(LINK_TYPE_CONSTRAINT)] + constraints
            it["constraints"] = constraints
            it["one"], it["two"] = ends
        else:
            it["constraints"] = constraints
            if typ == "PointToPointIntent":
                for member in ("ingressPoint", "egressPoint"):
                    cp = body.get(member)
                    if not isinstance(cp, dict) or "device" not in cp or "port" not in cp:
                        self.fail(400, "%s member is required in PointToPointIntent" % member)
                    it[member] = {"port": str(cp["port"]), "device": cp["device"]}
            else:
                for member in ("ingressPoint", "egressPoint", "ingressPoints", "egressPoints"):
                    if member in body:
                        it[member] = body[member]
        key = body.get("key")
        existing = None
        if key is not None:
            key = str(key)
            if key.startswith("0x"):
                try:
                    key = "0x%x" % (int(key, 16) & 0xFFFFFFFFFFFFFFFF)
                except ValueError:
                    self.fail(400, 'For input string: "%s"' % key[2:])
            existing = self.intents.get((app, key))
        if existing is not None:
            iid = int(existing["id"], 16)
        else:
            iid = self.next_intent_id
            self.next_intent_id += 1
        it["id"] = "0x%x" % iid
        it["key"] = key if key is not None else it["id"]
        self.intents[(app, it["key"])] = it
        host = req.header("Host") or "127.0.0.1:%d" % self.port
        return Response(201, None, None,
                        {"Location": "%s://%s/onos/v1/intents/%s/%d" % (self.scheme, host, app, iid)})

    # ---- state ---------------------------------------------------------------------------------
    def get_state(self):
        return {
            "apps": [{"id": i, "name": n} for n, i in self.apps.items()],
            "intents": list(self.intents.values()),
            "newIntentState": self.new_intent_state,
            "hosts": self.hosts, "devices": self.devices, "ports": self.ports, "links": self.links,
            "statistics": self.statistics, "portStatistics": self.port_statistics, "netcfg": self.netcfg,
        }

    def set_state(self, obj):
        known = {"apps", "intents", "newIntentState", "hosts", "devices", "ports", "links", "statistics",
                 "portStatistics", "netcfg", "portLoad", "flowLoads"}
        bad = set(obj) - known
        if bad:
            raise HTTPError(400, {"error": "unknown state members: %s" % ", ".join(sorted(bad))})
        try:
            if "apps" in obj:
                self.apps = collections.OrderedDict()
                for a in obj["apps"]:
                    if isinstance(a, str):
                        self.register(a)
                    else:
                        self.apps[a["name"]] = int(a["id"])
                        self.next_app_id = max(self.next_app_id, int(a["id"]) + 1)
            if "intents" in obj:
                self.intents = collections.OrderedDict()
                for it in unwrap(obj["intents"], "intents"):
                    it = copy.deepcopy(it)
                    if not it.get("id"):
                        it["id"] = "0x%x" % self.next_intent_id
                    self.next_intent_id = max(self.next_intent_id, int(it["id"], 16) + 1)
                    it.setdefault("key", it["id"])
                    it.setdefault("state", self.new_intent_state)
                    it.setdefault("resources", [])
                    self.register(it["appId"])
                    self.intents[(it["appId"], it["key"])] = it
            if "newIntentState" in obj:
                self.new_intent_state = obj["newIntentState"]
            for member, attr, wrap in (("hosts", "hosts", "hosts"), ("devices", "devices", "devices"),
                                       ("links", "links", "links"), ("statistics", "statistics", "statistics"),
                                       ("portStatistics", "port_statistics", "statistics"),
                                       ("flowLoads", "flow_loads", "loads")):
                if member in obj:
                    v = unwrap(obj[member], wrap)
                    if not isinstance(v, list):
                        raise ValueError("%s must be a list" % member)
                    setattr(self, attr, copy.deepcopy(v))
            if "ports" in obj:  # per device: {deviceId: [ports]} replaces that device's ports
                for did, ps in obj["ports"].items():
                    self.ports[did] = copy.deepcopy(unwrap(ps, "ports"))
            if "netcfg" in obj:
                self.netcfg = copy.deepcopy(obj["netcfg"])
            if "portLoad" in obj:
                loads = obj["portLoad"]
                for ld in (loads if isinstance(loads, list) else [loads]):
                    self.set_port_load(ld)
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            raise HTTPError(400, {"error": "bad state: %r" % (e,)})

    def set_port_load(self, ld):
        """{"device","port","txBps"?,"rxBps"?,"durationSec"?}: rewrite a delta-statistics entry so the
        port shows these bit rates."""
        dev, port = ld["device"], int(ld["port"])
        entry = next((e for e in self.statistics if e.get("device") == dev), None)
        if entry is None:
            entry = {"device": dev, "ports": []}
            self.statistics.append(entry)
        p = next((x for x in entry["ports"] if x.get("port") == port), None)
        if p is None:
            p = {"port": port, "packetsReceived": 0, "packetsSent": 0, "bytesReceived": 0, "bytesSent": 0,
                 "packetsRxDropped": 0, "packetsTxDropped": 0, "packetsRxErrors": 0, "packetsTxErrors": 0,
                 "durationSec": 5}
            entry["ports"].append(p)
        dur = int(ld.get("durationSec", p.get("durationSec") or 5))
        p["durationSec"] = dur
        if "txBps" in ld:
            p["bytesSent"] = int(float(ld["txBps"]) * dur / 8)
            p["packetsSent"] = p["bytesSent"] // 1150
        if "rxBps" in ld:
            p["bytesReceived"] = int(float(ld["rxBps"]) * dur / 8)
            p["packetsReceived"] = p["bytesReceived"] // 1150


if __name__ == "__main__":
    fakebase.main(OnosApp)
