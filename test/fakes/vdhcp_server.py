#!/usr/bin/python3
"""Fake KREONET-S vDHCP REST API (DESIGN.md section 5) for the vdhcp IPAM tests.

  PUT    {base}{aa-bb-cc-dd-ee-ff}  {"clientHwAddr":"aa:bb:..","vdnId"?,"requestIp"?} -> 200 lease
  GET    {base}{mac}                -> 200 lease | 404
  DELETE {base}{mac}                -> 200 released lease (or --delete-status 204) | 404

HTTP basic auth (--user/--password, default onos/rocks). Pools per vdnId (--pool ID=CIDR,
repeatable; --pool default=CIDR serves requests without vdnId). Router = first host address,
addresses handed out from .10 up, the same MAC always gets its lease back (a PUT renews it).
"""

import base64
import ipaddress
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakebase  # noqa: E402
from fakebase import HTTPError, Response  # noqa: E402

MAC_PATH_RE = re.compile(r"^[0-9a-f]{2}(-[0-9a-f]{2}){5}$")
MAC_BODY_RE = re.compile(r"^[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){5}$")


class Pool:
    def __init__(self, name, cidr):
        self.name = name
        self.net = ipaddress.IPv4Network(cidr, strict=False)
        if self.net.num_addresses < 4:
            raise ValueError("pool %s: subnet %s too small" % (name, cidr))
        self.router = self.net.network_address + 1
        self.first = self.net.network_address + 10
        if self.first >= self.net.broadcast_address:
            self.first = self.net.network_address + 2

    def usable(self, ip):
        return (ip in self.net and ip != self.net.network_address and ip != self.net.broadcast_address
                and ip != self.router)

    def describe(self):
        return {"subnet": str(self.net), "router": str(self.router), "first": str(self.first)}


class VdhcpApp(fakebase.FakeApp):
    """Fake vDHCP server."""

    name = "vdhcp"
    server_header = "fake-vdhcp"

    @classmethod
    def add_arguments(cls, p):
        p.add_argument("--base", default="/vdn/v1/vdhcp/dhcp/", help="API base path (default %(default)s)")
        p.add_argument("--user", default="onos")
        p.add_argument("--password", default="rocks")
        p.add_argument("--no-auth", action="store_true", help="accept requests without credentials")
        p.add_argument("--pool", action="append", default=[], metavar="VDNID=CIDR",
                       help="address pool of a vdnId (repeatable); 'default' serves requests without "
                            "vdnId (default: default=172.16.1.0/24 when no --pool is given)")
        p.add_argument("--lease-time", type=int, default=86400)
        p.add_argument("--dns", action="append", default=[], help="DNS server (repeatable or comma list)")
        p.add_argument("--delete-status", type=int, choices=(200, 204), default=200)

    def __init__(self, args):
        super().__init__(args)
        base = args.base
        if not base.startswith("/"):
            base = "/" + base
        if not base.endswith("/"):
            base += "/"
        self.base = base
        self.pools = {}
        for spec in (args.pool or ["default=172.16.1.0/24"]):
            if "=" not in spec:
                sys.exit("--pool wants VDNID=CIDR, got %r" % spec)
            name, cidr = spec.split("=", 1)
            self.pools[name] = Pool(name, cidr)
        dns = []
        for d in args.dns or ["164.124.101.2"]:
            dns.extend(x.strip() for x in d.split(",") if x.strip())
        self.dns = dns
        self.lease_time = args.lease_time
        self.leases = {}   # dashed mac -> lease record (public fields + expiresAt, renewals, ...)
        self.last_ip = {}  # dashed mac -> (pool name, ip) remembered after release/expiry

    # ---- helpers -----------------------------------------------------------
    def error_body(self, status, message):
        return {"code": status, "message": message}

    def fail(self, status, message):
        raise HTTPError(status, self.error_body(status, message))

    def authenticate(self, req):
        if self.args.no_auth:
            return None
        auth = req.header("Authorization") or ""
        if auth.lower().startswith("basic "):
            try:
                user, _, pw = base64.b64decode(auth[6:].strip()).decode("utf-8").partition(":")
            except (ValueError, UnicodeDecodeError):
                user, pw = None, None
            if user == self.args.user and pw == self.args.password:
                req.user = user
                return None
        return Response(401, self.error_body(401, "Unauthorized: bad credentials"),
                        headers={"WWW-Authenticate": 'Basic realm="vdhcp"'})

    def purge_expired(self):
        now = time.time()
        for mac in [m for m, l in self.leases.items() if l["expiresAt"] <= now]:
            lease = self.leases.pop(mac)
            self.last_ip[mac] = (lease["vdnId"], lease["clientIp"])

    @staticmethod
    def public(lease):
        return {k: lease[k] for k in ("clientIp", "clientHwAddr", "vdnId", "subnetMask", "router", "dns",
                                      "leaseTime")}

    def used_ips(self, pool_name, except_mac=None):
        return {l["clientIp"] for m, l in self.leases.items() if l["vdnId"] == pool_name and m != except_mac}

    def allocate(self, pool, mac, request_ip):
        used = self.used_ips(pool.name, except_mac=mac)
        if request_ip is not None and pool.usable(request_ip) and str(request_ip) not in used:
            return request_ip
        prev = self.last_ip.get(mac)
        if prev and prev[0] == pool.name:
            ip = ipaddress.IPv4Address(prev[1])
            if pool.usable(ip) and str(ip) not in used:
                return ip
        ip = pool.first
        while ip < pool.net.broadcast_address:
            if pool.usable(ip) and str(ip) not in used:
                return ip
            ip += 1
        return None

    def make_lease(self, pool, mac, ip, renewals=0, created=None):
        now = time.time()
        return {
            "clientIp": str(ip),
            "clientHwAddr": mac.replace("-", ":"),
            "vdnId": pool.name,
            "subnetMask": str(pool.net.netmask),
            "router": [str(pool.router)],
            "dns": list(self.dns),
            "leaseTime": self.lease_time,
            "expiresAt": now + self.lease_time,
            "renewals": renewals,
            "createdAt": created if created is not None else now,
        }

    # ---- routes --------------------------------------------------------------
    def route(self, req):
        path = req.raw_path
        if not path.startswith(self.base):
            self.fail(404, "no such resource: %s" % req.path)
        mac = path[len(self.base):]
        if req.method not in ("PUT", "GET", "DELETE"):
            raise HTTPError(405, self.error_body(405, "method %s not allowed" % req.method),
                            headers={"Allow": "GET, PUT, DELETE"})
        if not MAC_PATH_RE.match(mac):
            self.fail(400, "malformed MAC address in path: %r (want lower-case aa-bb-cc-dd-ee-ff)" % mac)
        with self.lock:
            self.purge_expired()
            if req.method == "GET":
                lease = self.leases.get(mac)
                if lease is None:
                    self.fail(404, "no lease for %s" % mac)
                return Response(200, self.public(lease))
            if req.method == "DELETE":
                lease = self.leases.pop(mac, None)
                if lease is None:
                    self.fail(404, "no lease for %s" % mac)
                self.last_ip[mac] = (lease["vdnId"], lease["clientIp"])
                if self.args.delete_status == 204:
                    return Response(204, None)
                return Response(200, self.public(lease))
            return self.put(req, mac)

    def put(self, req, mac):
        try:
            body = req.json()
        except ValueError as e:
            self.fail(400, "malformed JSON body: %s" % e)
        if not isinstance(body, dict):
            self.fail(400, "body must be a JSON object")
        hw = body.get("clientHwAddr")
        if not isinstance(hw, str) or not MAC_BODY_RE.match(hw):
            self.fail(400, "clientHwAddr missing or malformed: %r" % (hw,))
        if hw.lower().replace("-", ":") != mac.replace("-", ":"):
            self.fail(400, "clientHwAddr %s does not match the MAC in the path (%s)" % (hw, mac))
        vdn = body.get("vdnId")
        if vdn is None or vdn == "":
            if "default" not in self.pools:
                self.fail(400, "vdnId is required (this server has no default pool)")
            pool = self.pools["default"]
        elif not isinstance(vdn, str):
            self.fail(400, "vdnId must be a string")
        elif vdn not in self.pools:
            self.fail(404, "unknown vdnId %s" % vdn)
        else:
            pool = self.pools[vdn]
        req_ip = body.get("requestIp")
        if req_ip is not None and req_ip != "":
            try:
                req_ip = ipaddress.IPv4Address(req_ip)
            except (ValueError, TypeError):
                self.fail(400, "requestIp is not an IPv4 address: %r" % (req_ip,))
        else:
            req_ip = None

        lease = self.leases.get(mac)
        if lease is not None and lease["vdnId"] == pool.name:
            # Renewal: same address, fresh expiry.
            lease["expiresAt"] = time.time() + self.lease_time
            lease["leaseTime"] = self.lease_time
            lease["renewals"] += 1
            return Response(200, self.public(lease))
        if lease is not None:  # moved to another VDN: give up the old address
            self.leases.pop(mac)
        ip = self.allocate(pool, mac, req_ip)
        if ip is None:
            self.fail(503, "no free address in pool %s (%s)" % (pool.name, pool.net))
        lease = self.make_lease(pool, mac, ip)
        self.leases[mac] = lease
        return Response(200, self.public(lease))

    # ---- state -----------------------------------------------------------------
    def get_state(self):
        self.purge_expired()
        return {
            "leases": {m: dict(l) for m, l in self.leases.items()},
            "pools": {n: p.describe() for n, p in self.pools.items()},
            "leaseTime": self.lease_time,
            "dns": list(self.dns),
        }

    def set_state(self, obj):
        bad = set(obj) - {"leases", "pools", "leaseTime", "dns"}
        if bad:
            raise HTTPError(400, {"error": "unknown state members: %s" % ", ".join(sorted(bad))})
        if "pools" in obj:
            pools = {}
            try:
                for n, v in obj["pools"].items():
                    pools[n] = Pool(n, v["subnet"] if isinstance(v, dict) else v)
            except (ValueError, TypeError, KeyError, AttributeError) as e:
                raise HTTPError(400, {"error": "bad pools: %s" % e})
            self.pools = pools
        if "leaseTime" in obj:
            self.lease_time = int(obj["leaseTime"])
        if "dns" in obj:
            self.dns = list(obj["dns"])
        if "leases" in obj:
            leases = {}
            try:
                for m, l in obj["leases"].items():
                    m = m.lower().replace(":", "-")
                    if not MAC_PATH_RE.match(m):
                        raise ValueError("bad MAC %s" % m)
                    pool = self.pools[l.get("vdnId") or "default"]
                    rec = self.make_lease(pool, m, ipaddress.IPv4Address(l["clientIp"]),
                                          renewals=int(l.get("renewals", 0)))
                    for k in ("leaseTime", "expiresAt", "createdAt", "dns", "router", "subnetMask"):
                        if k in l:
                            rec[k] = l[k]
                    leases[m] = rec
            except (ValueError, TypeError, KeyError, AttributeError) as e:
                raise HTTPError(400, {"error": "bad leases: %r" % (e,)})
            self.leases = leases
            self.last_ip = {}


if __name__ == "__main__":
    fakebase.main(VdhcpApp)
