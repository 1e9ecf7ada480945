#!/bin/sh
# Throwaway PKI for the TLS tests of kube.c: a CA, a server certificate for the name
# kubernetes.default.svc only (so reaching 127.0.0.1 needs tls-server-name), a client
# certificate CN=vdno-scheduler, and base64 copies for kubeconfig *-data fields.
set -eu
cd "$1"
key="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
openssl req -x509 $key -keyout ca.key -out ca.crt -subj /CN=vdn-test-ca -days 2 2>/dev/null
printf 'subjectAltName=DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\n' > server.ext
printf 'extendedKeyUsage=clientAuth\n' > client.ext
for who in server client; do
	cn=kubernetes.default.svc
	[ "$who" = client ] && cn=vdno-scheduler
	openssl req $key -keyout "$who.key" -out "$who.csr" -subj "/CN=$cn" 2>/dev/null
	openssl x509 -req -in "$who.csr" -CA ca.crt -CAkey ca.key -CAcreateserial \
		-out "$who.crt" -days 2 -extfile "$who.ext" 2>/dev/null
done
for f in ca.crt client.crt client.key; do
	base64 -w0 "$f" > "$f.b64"
done
