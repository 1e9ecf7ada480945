#!/usr/bin/python3
"""Makes a server of this namespace reachable from a test's namespace, on the same address.

    nsforward.py --netns /run/netns/NS --port P [--to-port Q]

listens on 127.0.0.1:P *inside* NS and relays every connection to 127.0.0.1:Q (default P) in the
namespace the script was started in. The fakes run in the test's own namespace (their control
API must stay reachable from pytest), the plugins run in a test-made "host" namespace; with this
bridge one URL, http://127.0.0.1:P, means the same server in both. Prints "ready" once
listening; exits on SIGTERM. Bytes are relayed as they are, so TLS works end to end.
"""
import argparse
import ctypes
import os
import signal
import socket
import sys
import threading

CLONE_NEWNET = 0x40000000


def setns(fd):
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def listen_in(netns, port):
    """A listening socket bound inside netns; a socket keeps the namespace it was made in."""
    home = os.open("/proc/self/ns/net", os.O_RDONLY)
    target = os.open(netns, os.O_RDONLY)
    try:
        setns(target)
        try:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", port))
            s.listen(128)
        finally:
            setns(home)
    finally:
        os.close(target)
        os.close(home)
    return s


def pump(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    # Half-close, so the far side sees the end of this direction and the other keeps going.
    try:
        dst.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def relay(client, port):
    try:
        upstream = socket.create_connection(("127.0.0.1", port))
    except OSError:
        # The server behind is gone: a reset, as the client would get from it directly.
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        client.close()
        return
    back = threading.Thread(target=pump, args=(upstream, client), daemon=True)
    back.start()
    pump(client, upstream)
    back.join()
    client.close()
    upstream.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--netns", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--to-port", type=int)
    a = p.parse_args()
    to_port = a.to_port or a.port
    server = listen_in(a.netns, a.port)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    print("ready", flush=True)
    while True:
        client, _ = server.accept()
        threading.Thread(target=relay, args=(client, to_port), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
