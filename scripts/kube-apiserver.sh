#!/usr/bin/env bash
# A real Kubernetes API server for the tests' second tier (DESIGN.md §8).
#
#   scripts/kube-apiserver.sh build       build kube-apiserver once into $VDN_K8S_CACHE
#   scripts/kube-apiserver.sh start N     N independent etcd + kube-apiserver pairs ("regions")
#   scripts/kube-apiserver.sh stop        stop them and remove their data
#   scripts/kube-apiserver.sh status      what runs (exit 0 when every region answers /readyz)
#   scripts/kube-apiserver.sh path        print the cached binary's path (exit 1 when not built)
#   scripts/kube-apiserver.sh pki DIR     only the certificates and token file (for the fake)
#
# build: Debian's `kubernetes` source package (upstream v1.20.2 with its vendor/ tree), fetched
# with `apt-get source` through a private apt configuration under the cache (deb-src twins of
# the system's Debian entries; the system's apt sources are never touched), built with Debian's
# Go (1.19 on bookworm) after swapping the vendored reflect2 v1.0.1 (broken on Go >= 1.18) for
# Debian's 1.0.2. Only the binary and a stamp are kept. About 7-10 minutes on 2 cores.
#
# start N: a CA, a serving certificate for 127.0.0.1, client certificates (admin in
# system:masters, vdno-cert bound to cluster-admin, worker-1 a kubelet in system:nodes, stranger
# from an unknown CA), a token file (vdno bound to cluster-admin; nobody and vdn-cni unbound); per
# region rK (K = 1..N) an etcd and a kube-apiserver on free loopback ports (Node,RBAC authorizers,
# NodeRestriction, no ServiceAccount admission, no endpoint reconciler), namespace vdno, and two
# kubeconfigs: rK-cert.kubeconfig (vdno-cert) and rK-token.kubeconfig (vdno's token, namespace
# vdno). $VDN_K8S_STATE/regions.json describes them:
#   {"ca", "adminCert", "adminKey", "clientCert", "clientKey", "nodeCert", "nodeKey", "token", ...,
#    "regions": [{"id": "r1", "server": "https://127.0.0.1:P", "port": P, "etcdPort": E,
#                 "kubeconfigCert", "kubeconfigToken", "apiserverLog", "etcdLog"}]}
# Starting the same N again while all answer is a no-op; another N restarts them all.
# Logs: $VDN_K8S_STATE/rK/{apiserver,etcd}.log; the build's: $VDN_K8S_CACHE/build.log.
#
# Environment: VDN_K8S_CACHE (default /var/cache/vdn-cni), VDN_K8S_STATE (default /run/vdn-k8s).
set -euo pipefail

CACHE=${VDN_K8S_CACHE:-/var/cache/vdn-cni}
STATE=${VDN_K8S_STATE:-/run/vdn-k8s}
K8S_DIR=$CACHE/kubernetes
BIN=$K8S_DIR/bin/kube-apiserver
STAMP=$K8S_DIR/STAMP
BUILD_LOG=$CACHE/build.log
TOKEN=vdno-test-token-6f1c2e
BAD_TOKEN=vdno-bad-token-000000

BUILD_PKGS="golang-go golang-github-modern-go-reflect2-dev dpkg-dev rsync make gcc libc6-dev
git ca-certificates"
RUN_PKGS="etcd-server openssl curl"

die() { echo "kube-apiserver.sh: $*" >&2; exit 1; }
say() { echo "kube-apiserver.sh: $*" >&2; }

need_root() { [ "$(id -u)" = 0 ] || die "$1 needs root (apt-get, $CACHE)"; }

apt_install() {
	local missing="" p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	need_root "installing$missing"
	say "installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null 2>&1 || {
		apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing >/dev/null
	} || die "apt-get install$missing failed"
}

# ---------------------------------------------------------------------------------- build
# deb-src twins of the system's Debian entries (deb822 .sources files and one-line lists).
write_private_sources() {
	local out=$1 f
	: >"$out"
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		awk '
			function flush() {
				if (st != "" && types ~ /(^| )deb( |$)/ && uris ~ /debian/) {
					gsub(/Types:[^\n]*/, "Types: deb-src", st); print st; print ""
				}
				st = ""; types = ""; uris = ""
			}
			/^[ \t]*$/ { flush(); next }
			/^#/ { next }
			{ st = st $0 "\n" }
			/^Types:/ { types = $0; sub(/^Types:[ \t]*/, "", types) }
			/^URIs:/ { uris = $0 }
			END { flush() }' "$f" >>"$out.tmp-822"
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -r "$f" ] || continue
		awk '$1 == "deb" && $0 ~ /debian/ { $1 = "deb-src"; print }' "$f" >>"$out.tmp-list"
	done
	[ -s "$out.tmp-822" ] && mv "$out.tmp-822" "${out%.list}.sources"
	[ -s "$out.tmp-list" ] && mv "$out.tmp-list" "$out"
	rm -f "$out.tmp-822" "$out.tmp-list"
	[ -s "$out" ] || [ -s "${out%.list}.sources" ] || die "no Debian entry in the system's apt sources to twin"
}

fetch_source() {  # -> $CACHE/src/kubernetes-*/
	local apt=$CACHE/apt
	rm -rf "$apt"
	mkdir -p "$apt/sources.list.d" "$apt/lists/partial" "$apt/cache/archives/partial" "$CACHE/src"
	write_private_sources "$apt/sources.list.d/debian-src.list"
	cat >"$apt/apt.conf" <<-EOF
	Dir::Etc::SourceList "/dev/null";
	Dir::Etc::SourceParts "$apt/sources.list.d";
	Dir::State::Lists "$apt/lists";
	Dir::Cache "$apt/cache";
	Dir::Cache::pkgcache "";
	Dir::Cache::srcpkgcache "";
	APT::Sandbox::User "root";
	EOF
	say "apt-get update (private configuration $apt/apt.conf)"
	APT_CONFIG=$apt/apt.conf apt-get update -qq
	rm -rf "$CACHE/src"; mkdir -p "$CACHE/src"
	say "apt-get source kubernetes"
	(cd "$CACHE/src" && APT_CONFIG=$apt/apt.conf apt-get source -qq kubernetes)
}

patch_reflect2() {  # $1 = source tree
	local src=$1 deb=/usr/share/gocode/src/github.com/modern-go/reflect2
	[ -d "$deb" ] || die "$deb missing (golang-github-modern-go-reflect2-dev)"
	grep -q "github.com/modern-go/reflect2 v1.0.1" "$src/go.mod" || return 0
	say "vendor: reflect2 v1.0.1 -> Debian's 1.0.2"
	rm -rf "$src/vendor/github.com/modern-go/reflect2"
	mkdir -p "$src/vendor/github.com/modern-go/reflect2"
	find "$deb" -maxdepth 1 -type f \( -name '*.go' -o -name '*.s' -o -name LICENSE \) ! -name '*_test.go' \
		-exec cp {} "$src/vendor/github.com/modern-go/reflect2/" \;
	sed -i 's#github.com/modern-go/reflect2 v1.0.1#github.com/modern-go/reflect2 v1.0.2#g' \
		"$src/go.mod" "$src/vendor/modules.txt"
}

do_build() {
	if [ -x "$BIN" ] && [ -f "$STAMP" ]; then
		say "already built: $BIN ($(cat "$STAMP"))"
		return 0
	fi
	need_root build
	mkdir -p "$CACHE"
	exec 9>"$CACHE/.build.lock"
	flock 9
	if [ -x "$BIN" ] && [ -f "$STAMP" ]; then return 0; fi
	apt_install $BUILD_PKGS $RUN_PKGS
	local t0 src gov
	t0=$(date +%s)
	say "building kube-apiserver into $K8S_DIR (log: $BUILD_LOG)"
	local rc=0
	set +e
	(
		set -e
		fetch_source
		src=$(find "$CACHE/src" -mindepth 1 -maxdepth 1 -type d -name 'kubernetes-*' | head -n1)
		[ -n "$src" ] || die "apt-get source kubernetes left no source tree in $CACHE/src"
		patch_reflect2 "$src"
		gov=$(go env GOVERSION)
		say "make WHAT=cmd/kube-apiserver with $gov in $src"
		(
			cd "$src"
			export GOPROXY=off GOFLAGS=-mod=vendor GO111MODULE=on
			export GOCACHE=$CACHE/gocache GOPATH=$CACHE/gopath HOME=$CACHE/home
			export KUBE_GIT_VERSION=v1.20.2 KUBE_GIT_TREE_STATE=clean KUBE_GIT_COMMIT=debian
			mkdir -p "$HOME"
			make WHAT=cmd/kube-apiserver
		)
		local out
		out=$(find "$src/_output" -type f -name kube-apiserver -perm -u+x | head -n1)
		[ -n "$out" ] || die "the build made no kube-apiserver"
		mkdir -p "$K8S_DIR/bin"
		install -m 0755 "$out" "$BIN.tmp" && mv "$BIN.tmp" "$BIN"
		echo "$(basename "$src") $gov built $(date -u +%FT%TZ) in $(( $(date +%s) - t0 ))s" >"$STAMP"
	) >>"$BUILD_LOG" 2>&1
	rc=$?
	set -e
	[ "$rc" = 0 ] || { tail -n 30 "$BUILD_LOG" >&2; die "build failed; full log: $BUILD_LOG"; }
	rm -rf "$CACHE/src" "$CACHE/gocache" "$CACHE/gopath" "$CACHE/home" "$CACHE/apt"
	say "built: $("$BIN" --version 2>/dev/null) in $(( $(date +%s) - t0 ))s"
}

# ---------------------------------------------------------------------------------- start/stop
free_ports() {  # $1 = how many distinct free loopback ports
	python3 - "$1" <<-'EOF'
	import socket, sys
	socks = []
	for _ in range(int(sys.argv[1])):
	    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
	print(" ".join(str(s.getsockname()[1]) for s in socks))
	EOF
}

# pid file -> pid when that process still runs and is ours (its command line names $STATE)
live_pid() {
	local pid
	pid=$(cat "$1" 2>/dev/null) || return 1
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$STATE/" \
		&& echo "$pid"
}

make_certs() {  # $1 = folder
	local pki=$1
	command -v openssl >/dev/null || apt_install openssl
	mkdir -p "$pki"
	(
		cd "$pki"
		openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=vdn-test-ca" \
			-keyout ca.key -out ca.crt 2>/dev/null
		# serving certificate for 127.0.0.1 (the same for every region; the CA signs it)
		openssl req -newkey rsa:2048 -nodes -subj "/CN=kube-apiserver" -keyout serving.key -out serving.csr 2>/dev/null
		printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >serving.ext
		openssl x509 -req -in serving.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 \
			-extfile serving.ext -out serving.crt 2>/dev/null
		# client certificates: admin (system:masters), vdno-cert (bound to cluster-admin by RBAC)
		# and worker-1, the kubelet of node worker-1 (the Node authorizer's rules, NodeRestriction)
		local who
		for who in "admin|system:masters" "vdno-cert|vdno" "system:node:worker-1|system:nodes"; do
			local cn=${who%|*} org=${who#*|} file
			file=${cn#system:node:}   # the node's certificate: worker-1.crt
			openssl req -newkey rsa:2048 -nodes -subj "/O=$org/CN=$cn" -keyout "$file.key" -out "$file.csr" 2>/dev/null
			printf 'extendedKeyUsage=clientAuth\n' >client.ext
			openssl x509 -req -in "$file.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 \
				-extfile client.ext -out "$file.crt" 2>/dev/null
		done
		# a client certificate from a CA the servers do not know
		openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=stranger" \
			-keyout stranger.key -out stranger.crt 2>/dev/null
		openssl genrsa -out sa.key 2048 2>/dev/null
		openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
		rm -f ./*.csr ./*.ext ca.srl
		# token,user,uid,"groups": vdno is bound to cluster-admin; nobody and vdn-cni have no
		# binding (403s; a test binds vdn-cni the ClusterRole of conf-examples/daemonset.yaml)
		printf '%s,vdno,1001,"vdno"\n%s,nobody,1002\n%s,vdn-cni,1003\n' "$TOKEN" "nobody-token-5d2a" \
			"vdn-cni-token-3b9e" >tokens.csv
		chmod 600 ./*.key tokens.csv
	)
}

write_kubeconfigs() {  # $1 = region id, $2 = server URL
	local id=$1 server=$2 pki=$STATE/pki ca_data
	ca_data=$(base64 -w0 <"$pki/ca.crt")
	cat >"$STATE/$id-cert.kubeconfig" <<-EOF
	apiVersion: v1
	kind: Config
	clusters:
	- name: $id
	  cluster:
	    server: $server
	    certificate-authority: $pki/ca.crt
	users:
	- name: vdno-cert
	  user:
	    client-certificate: $pki/vdno-cert.crt
	    client-key: $pki/vdno-cert.key
	contexts:
	- name: $id
	  context:
	    cluster: $id
	    user: vdno-cert
	current-context: $id
	EOF
	cat >"$STATE/$id-token.kubeconfig" <<-EOF
	apiVersion: v1
	kind: Config
	clusters:
	- name: $id
	  cluster:
	    server: $server
	    certificate-authority-data: $ca_data
	users:
	- name: vdno
	  user:
	    token: $TOKEN
	contexts:
	- name: $id
	  context:
	    cluster: $id
	    user: vdno
	    namespace: vdno
	current-context: $id
	EOF
}

admin_curl() {  # $1 = server, then curl arguments
	local server=$1; shift
	curl -sS --max-time 10 --cacert "$STATE/pki/ca.crt" --cert "$STATE/pki/admin.crt" --key "$STATE/pki/admin.key" \
		"$@" -o /dev/null -w '%{http_code}' "$server"
}

start_region() {  # $1 = id, $2 = apiserver port, $3 = etcd client port, $4 = etcd peer port
	local id=$1 port=$2 eport=$3 pport=$4 dir=$STATE/$1 pki=$STATE/pki
	mkdir -p "$dir/etcd"
	setsid etcd --name "$id" --data-dir "$dir/etcd" \
		--listen-client-urls "http://127.0.0.1:$eport" --advertise-client-urls "http://127.0.0.1:$eport" \
		--listen-peer-urls "http://127.0.0.1:$pport" --initial-advertise-peer-urls "http://127.0.0.1:$pport" \
		--initial-cluster "$id=http://127.0.0.1:$pport" --initial-cluster-state new \
		--snapshot-count 10000 --log-level warn \
		</dev/null >"$dir/etcd.log" 2>&1 &
	echo $! >"$dir/etcd.pid"
	setsid "$BIN" --etcd-servers "http://127.0.0.1:$eport" \
		--bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$port" --insecure-port 0 \
		--tls-cert-file "$pki/serving.crt" --tls-private-key-file "$pki/serving.key" \
		--client-ca-file "$pki/ca.crt" --token-auth-file "$pki/tokens.csv" \
		--authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction \
		--disable-admission-plugins ServiceAccount \
		--endpoint-reconciler-type none \
		--service-account-issuer "https://127.0.0.1:$port" --service-account-key-file "$pki/sa.pub" \
		--service-account-signing-key-file "$pki/sa.key" --service-cluster-ip-range 10.96.0.0/16 \
		--cert-dir "$dir/certs" --profiling=false --logtostderr --v 1 \
		</dev/null >"$dir/apiserver.log" 2>&1 &
	echo $! >"$dir/apiserver.pid"
}

wait_ready() {  # $1 = id, $2 = server; waits up to $3 s
	local id=$1 server=$2 deadline=$(( $(date +%s) + $3 )) code
	while :; do
		live_pid "$STATE/$id/etcd.pid" >/dev/null || { tail -n 20 "$STATE/$id/etcd.log" >&2; die "$id: etcd exited (log: $STATE/$id/etcd.log)"; }
		live_pid "$STATE/$id/apiserver.pid" >/dev/null || { tail -n 20 "$STATE/$id/apiserver.log" >&2; die "$id: kube-apiserver exited (log: $STATE/$id/apiserver.log)"; }
		code=$(admin_curl "$server/readyz" 2>/dev/null) || code=000
		[ "$code" = 200 ] && return 0
		[ "$(date +%s)" -lt "$deadline" ] || { tail -n 20 "$STATE/$id/apiserver.log" >&2; die "$id: $server/readyz not 200 after $3 s (last: $code)"; }
		sleep 0.5
	done
}

seed_region() {  # $1 = server: namespace vdno, RBAC for the vdno users
	local server=$1 code
	code=$(admin_curl "$server/api/v1/namespaces" -X POST -H 'Content-Type: application/json' \
		-d '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"vdno"}}')
	[ "$code" = 201 ] || [ "$code" = 409 ] || die "creating namespace vdno on $server: HTTP $code"
	code=$(admin_curl "$server/apis/rbac.authorization.k8s.io/v1/clusterrolebindings" -X POST \
		-H 'Content-Type: application/json' -d '{"apiVersion":"rbac.authorization.k8s.io/v1",
		"kind":"ClusterRoleBinding","metadata":{"name":"vdno-cluster-admin"},
		"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"cluster-admin"},
		"subjects":[{"apiGroup":"rbac.authorization.k8s.io","kind":"User","name":"vdno"},
		            {"apiGroup":"rbac.authorization.k8s.io","kind":"User","name":"vdno-cert"}]}')
	[ "$code" = 201 ] || [ "$code" = 409 ] || die "creating the vdno ClusterRoleBinding on $server: HTTP $code"
}

running_count() {  # regions of a previous start whose processes all live
	local n=0 d
	[ -f "$STATE/regions.json" ] || { echo 0; return; }
	for d in "$STATE"/r*/; do
		[ -d "$d" ] || continue
		live_pid "$d/etcd.pid" >/dev/null && live_pid "$d/apiserver.pid" >/dev/null || { echo -1; return; }
		n=$((n + 1))
	done
	echo "$n"
}

do_start() {
	local n=${1:-}
	[[ "$n" =~ ^[1-9][0-9]?$ ]] || die "start N: N must be 1..99 (got '${n}')"
	command -v etcd >/dev/null && command -v openssl >/dev/null && command -v curl >/dev/null || apt_install $RUN_PKGS
	[ -x "$BIN" ] && [ -f "$STAMP" ] || { say "no cached kube-apiserver: building first"; do_build; }
	if [ "$(running_count)" = "$n" ] && do_status >/dev/null 2>&1; then
		say "$n regions already running ($STATE/regions.json)"
		return 0
	fi
	do_stop >/dev/null 2>&1 || true
	trap start_failed EXIT
	mkdir -p "$STATE"
	chmod 700 "$STATE"
	make_certs "$STATE/pki"
	local ports i id p e q t0
	t0=$(date +%s)
	read -r -a ports <<<"$(free_ports $((3 * n)))"
	for ((i = 1; i <= n; i++)); do
		id=r$i p=${ports[$((3 * i - 3))]} e=${ports[$((3 * i - 2))]} q=${ports[$((3 * i - 1))]}
		start_region "$id" "$p" "$e" "$q"
		echo "$p $e" >"$STATE/$id/ports"
		write_kubeconfigs "$id" "https://127.0.0.1:$p"
	done
	for ((i = 1; i <= n; i++)); do
		read -r p e <"$STATE/r$i/ports"
		wait_ready "r$i" "https://127.0.0.1:$p" 120
		seed_region "https://127.0.0.1:$p"
	done
	python3 - "$STATE" "$n" "$TOKEN" "$BAD_TOKEN" <<-'EOF'
	import json, os, sys
	state, n, token, bad = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
	pki = os.path.join(state, "pki")
	regions = []
	for i in range(1, n + 1):
	    rid = "r%d" % i
	    port, eport = (int(x) for x in open(os.path.join(state, rid, "ports")).read().split())
	    regions.append({"id": rid, "server": "https://127.0.0.1:%d" % port, "port": port, "etcdPort": eport,
	                    "kubeconfigCert": os.path.join(state, rid + "-cert.kubeconfig"),
	                    "kubeconfigToken": os.path.join(state, rid + "-token.kubeconfig"),
	                    "apiserverLog": os.path.join(state, rid, "apiserver.log"),
	                    "etcdLog": os.path.join(state, rid, "etcd.log")})
	out = {"ca": os.path.join(pki, "ca.crt"),
	       "adminCert": os.path.join(pki, "admin.crt"), "adminKey": os.path.join(pki, "admin.key"),
	       "clientCert": os.path.join(pki, "vdno-cert.crt"), "clientKey": os.path.join(pki, "vdno-cert.key"),
	       "nodeCert": os.path.join(pki, "worker-1.crt"), "nodeKey": os.path.join(pki, "worker-1.key"),
	       "strangerCert": os.path.join(pki, "stranger.crt"), "strangerKey": os.path.join(pki, "stranger.key"),
	       "token": token, "badToken": bad, "forbiddenToken": "nobody-token-5d2a",
	       "vdnCniToken": "vdn-cni-token-3b9e",
	       "regions": regions}
	tmp = os.path.join(state, "regions.json.tmp")
	with open(tmp, "w") as f:
	    json.dump(out, f, indent=2)
	os.rename(tmp, os.path.join(state, "regions.json"))
	EOF
	trap - EXIT
	say "$n regions ready in $(( $(date +%s) - t0 ))s: $STATE/regions.json"
}

kill_regions() {  # TERM, 10 s, KILL: every process of $STATE's regions
	local f pid pids=() waited=0
	for f in "$STATE"/r*/apiserver.pid "$STATE"/r*/etcd.pid; do
		[ -f "$f" ] || continue
		pid=$(live_pid "$f") || continue
		kill -TERM "$pid" 2>/dev/null && pids+=("$pid")
	done
	while [ ${#pids[@]} -gt 0 ] && [ $waited -lt 100 ]; do
		local alive=()
		for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive+=("$pid"); done
		pids=("${alive[@]+"${alive[@]}"}")
		[ ${#pids[@]} -gt 0 ] || break
		sleep 0.1; waited=$((waited + 1))
	done
	for pid in "${pids[@]+"${pids[@]}"}"; do kill -KILL "$pid" 2>/dev/null || true; done
}

do_stop() {
	[ -d "$STATE" ] || { say "nothing to stop ($STATE absent)"; return 0; }
	kill_regions
	rm -rf "$STATE"
	say "stopped; $STATE removed"
}

start_failed() {  # EXIT trap of a start that did not finish: nothing is left running
	kill_regions
	rm -f "$STATE/regions.json"
	say "start failed: the regions are stopped; logs kept in $STATE/r*/ ('$0 stop' removes them)"
}

do_status() {
	[ -f "$STATE/regions.json" ] || { echo "not running ($STATE/regions.json absent)"; return 1; }
	local ok=0 id server code
	while read -r id server; do
		code=$(admin_curl "$server/readyz" 2>/dev/null) || code=000
		printf '%s %s readyz=%s etcd=%s apiserver=%s\n' "$id" "$server" "$code" \
			"$(live_pid "$STATE/$id/etcd.pid" || echo dead)" "$(live_pid "$STATE/$id/apiserver.pid" || echo dead)"
		[ "$code" = 200 ] || ok=1
	done < <(python3 -c 'import json,sys; [print(r["id"], r["server"]) for r in json.load(open(sys.argv[1]))["regions"]]' "$STATE/regions.json")
	return $ok
}

case "${1:-}" in
build) do_build ;;
path) [ -x "$BIN" ] && [ -f "$STAMP" ] && echo "$BIN" ;;
start) do_start "${2:-}" ;;
pki) [ -n "${2:-}" ] || die "pki DIR: which folder?"; make_certs "$2" ;;
stop) do_stop ;;
status) do_status ;;
*) echo "usage: $0 build | start N | stop | status | path | pki DIR" >&2; exit 2 ;;
esac
