#!/usr/bin/python3
"""Sends several HTTP/1.1 requests in ONE write on one connection
(pipelining, RFC 9112 section 9.3.2) and prints what comes back until the
server closes. The last request carries Connection: close.

  http_pipeline.py HOST PORT PATH [PATH...]

Only for loopback/test addresses; bounded by a 10 s socket timeout.
"""
import socket
import sys


def main():
    host, port, paths = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    reqs = []
    for i, p in enumerate(paths):
        last = i == len(paths) - 1
        reqs.append("GET %s HTTP/1.1\r\nHost: %s:%d\r\nUser-Agent: pipeline.py\r\n%s\r\n"
                    % (p, host, port, "Connection: close\r\n" if last else ""))
    with socket.create_connection((host, port), timeout=10) as s:
        s.sendall("".join(reqs).encode())
        got = b""
        while len(got) < 1 << 20:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
    sys.stdout.write(got.decode(errors="replace"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
