#!/usr/bin/python3
"""Tiny memcached client for sockrec fixtures: text or binary protocol.

  memcache_client.py --port P --ping          version check (text), exit 0/1
  memcache_client.py --port P text            set/get/incr/delete, text protocol
  memcache_client.py --port P binary          the same in the binary protocol

Talks only to 127.0.0.1. Every read has a timeout; prints what it got.
Protocol: https://github.com/memcached/memcached/blob/master/doc/protocol.txt
and the binary protocol spec (magic 0x80 request, 0x81 response).
"""
import argparse
import socket
import struct
import sys

TIMEOUT = 5.0


def recv_until(s, end):
    buf = b""
    while not buf.endswith(end):
        chunk = s.recv(4096)
        if not chunk:
            break
        buf += chunk
        if len(buf) > 1 << 20:
            raise RuntimeError("reply too long")
    return buf


def text(s):
    out = []
    for cmd, end in [
        (b"set fixture:greeting 0 60 5\r\nhello\r\n", b"\r\n"),
        (b"get fixture:greeting\r\n", b"END\r\n"),
        (b"set fixture:counter 0 60 1\r\n7\r\n", b"\r\n"),
        (b"incr fixture:counter 5\r\n", b"\r\n"),
        (b"get fixture:missing\r\n", b"END\r\n"),
        (b"delete fixture:greeting\r\n", b"\r\n"),
    ]:
        s.sendall(cmd)
        out.append(recv_until(s, end))
    s.sendall(b"quit\r\n")
    return out


def bin_req(opcode, key=b"", value=b"", extras=b"", opaque=0):
    total = len(extras) + len(key) + len(value)
    hdr = struct.pack(">BBHBBHIIQ", 0x80, opcode, len(key), len(extras), 0, 0,
                      total, opaque, 0)
    return hdr + extras + key + value


def bin_resp(s):
    hdr = b""
    while len(hdr) < 24:
        chunk = s.recv(24 - len(hdr))
        if not chunk:
            raise RuntimeError("connection closed in header")
        hdr += chunk
    magic, opcode, keylen, extlen, _dt, status, total, opaque, _cas = struct.unpack(
        ">BBHBBHIIQ", hdr)
    if magic != 0x81 or total > 1 << 20:
        raise RuntimeError("bad binary response header")
    body = b""
    while len(body) < total:
        chunk = s.recv(total - len(body))
        if not chunk:
            raise RuntimeError("connection closed in body")
        body += chunk
    return opcode, status, body[extlen + keylen:]


def binary(s):
    out = []
    flags_exp = struct.pack(">II", 0, 60)
    reqs = [
        bin_req(0x01, b"fixture:bin", b"binary-value", flags_exp, 1),  # SET
        bin_req(0x00, b"fixture:bin", opaque=2),  # GET
        bin_req(0x05, b"fixture:ctr", extras=struct.pack(">QQI", 3, 10, 60), opaque=3),  # INCR
        bin_req(0x05, b"fixture:ctr", extras=struct.pack(">QQI", 3, 10, 60), opaque=4),  # INCR
        bin_req(0x00, b"fixture:nokey", opaque=5),  # GET miss
        bin_req(0x04, b"fixture:bin", opaque=6),  # DELETE
        bin_req(0x0b, opaque=7),  # VERSION
    ]
    for r in reqs:
        s.sendall(r)
        out.append(bin_resp(s))
    s.sendall(bin_req(0x07))  # QUIT
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--ping", action="store_true")
    ap.add_argument("mode", nargs="?", choices=["text", "binary"])
    a = ap.parse_args()
    with socket.create_connection(("127.0.0.1", a.port), timeout=TIMEOUT) as s:
        if a.ping:
            s.sendall(b"version\r\n")
            return 0 if recv_until(s, b"\r\n").startswith(b"VERSION") else 1
        for r in (text(s) if a.mode == "text" else binary(s)):
            print(r)
    return 0


if __name__ == "__main__":
    sys.exit(main())
