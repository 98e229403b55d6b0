#!/usr/bin/python3
"""Minimal NATS client for sockrec fixtures (the text protocol over TCP).

  nats_client.py --port P ping                 INFO, CONNECT, PING/PONG
  nats_client.py --port P sub SUBJ N           subscribe, wait for N messages
  nats_client.py --port P pub SUBJ MSG [MSG..] publish each MSG

The server speaks first (INFO {...}); a client answers CONNECT {...}.
Protocol: https://docs.nats.io/reference/reference-protocols/nats-protocol
Talks only to 127.0.0.1; every wait is bounded (5 s per read, 15 s total).
"""
import argparse
import json
import socket
import sys
import time

TIMEOUT = 5.0


class Conn:
    def __init__(self, port, name):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.buf = b""
        info = self.line()
        if not info.startswith(b"INFO "):
            raise RuntimeError("expected INFO, got %r" % info[:40])
        opts = {"verbose": False, "pedantic": False, "name": name, "lang": "python3",
                "version": "0.1", "protocol": 1}
        self.s.sendall(b"CONNECT " + json.dumps(opts, sort_keys=True).encode() + b"\r\nPING\r\n")
        self.expect(b"PONG")

    def line(self):
        while b"\r\n" not in self.buf:
            chunk = self.s.recv(4096)
            if not chunk:
                raise RuntimeError("connection closed")
            self.buf += chunk
            if len(self.buf) > 1 << 20:
                raise RuntimeError("line too long")
        ln, self.buf = self.buf.split(b"\r\n", 1)
        return ln

    def read(self, n):
        while len(self.buf) < n + 2:
            chunk = self.s.recv(4096)
            if not chunk:
                raise RuntimeError("connection closed")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def expect(self, word):
        for _ in range(100):
            ln = self.line()
            if ln == b"PING":
                self.s.sendall(b"PONG\r\n")
                continue
            if ln.startswith(word):
                return ln
            if ln.startswith(b"-ERR"):
                raise RuntimeError(ln.decode(errors="replace"))
        raise RuntimeError("no %r" % word)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--name", default="sockrec-fixture")
    ap.add_argument("cmd", choices=["ping", "sub", "pub"])
    ap.add_argument("args", nargs="*")
    a = ap.parse_args()
    c = Conn(a.port, a.name)
    if a.cmd == "ping":
        return 0
    if a.cmd == "sub":
        subj, n = a.args[0], int(a.args[1])
        c.s.sendall(b"SUB %s 1\r\nPING\r\n" % subj.encode())
        c.expect(b"PONG")
        print("subscribed", flush=True)
        deadline = time.time() + 15
        got = 0
        while got < n and time.time() < deadline:
            ln = c.expect(b"MSG ")
            size = int(ln.split()[-1])
            if size > 1 << 20:
                raise RuntimeError("message too large")
            print(ln.decode(), c.read(size).decode(errors="replace"), flush=True)
            got += 1
        c.s.sendall(b"UNSUB 1\r\nPING\r\n")
        c.expect(b"PONG")
        return 0 if got == n else 1
    subj = a.args[0].encode()
    for m in a.args[1:]:
        body = m.encode()
        c.s.sendall(b"PUB %s %d\r\n%s\r\n" % (subj, len(body), body))
    c.s.sendall(b"PING\r\n")
    c.expect(b"PONG")
    return 0


if __name__ == "__main__":
    sys.exit(main())
