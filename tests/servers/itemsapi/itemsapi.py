#!/usr/bin/env python3
"""itemsapi - a small JSON service in two versions, for the replay, diff and
mock end-to-end test (tests/e2e/regress_replay.sh). Standard library only.

Every JSON response carries a fresh timestamp and UUID (noise a replay must
not call a difference). GET /items also carries "load", a random number:
two recorded answers to the same request differ there (the "varied" rule).

    itemsapi.py PORT v1|v2

  GET  /items        200 {"items":[...], "load":N, "generated_at":ISO, "request_id":UUID}
  GET  /items/ID     200 {"id", "name", "price", "fetched_at", "trace"} | 404
  POST /orders       201 {"order":{"id":UUID,"item","qty","created":HTTP-date}, "status"}
  GET  /me           200 {"user":"alice"} and a Set-Cookie with
                     "Authorization: Bearer tok-e2e-secret", else 401
  GET  /health       200 "ok\\n" (text)
v2 differs from v1 in exactly these ways:
  GET /items/ID      "price" is a string ("3.00", was a number), "currency" added;
                     an unknown ID is 410 {"error":"gone"} (was 404 "not found")
  POST /orders       "status" is "accepted" (was "created")
  GET /v2/stats      new endpoint: 200 {"orders": N}
"""
import datetime
import email.utils
import json
import random
import sys
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

VERSION = sys.argv[2] if len(sys.argv) > 2 else "v1"
ITEMS = {1: ("widget", 3), 2: ("gadget", 12)}
orders = 0


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).isoformat()


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send(self, status, obj, ctype="application/json", cookie=None):
        body = obj if isinstance(obj, bytes) else json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        if cookie:
            self.send_header("Set-Cookie", cookie)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Request-Id", str(uuid.uuid4()))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        p = self.path
        if p == "/health":
            return self.send(200, b"ok\n", "text/plain")
        if p == "/items":
            items = [{"id": i, "name": n} for i, (n, _) in sorted(ITEMS.items())]
            return self.send(200, {"items": items, "load": random.randint(0, 10**9),
                                   "generated_at": now_iso(), "request_id": str(uuid.uuid4())})
        if p.startswith("/items/"):
            try:
                i = int(p[len("/items/"):])
            except ValueError:
                i = -1
            if i not in ITEMS:
                if VERSION == "v2":
                    return self.send(410, {"error": "gone", "request_id": str(uuid.uuid4())})
                return self.send(404, {"error": "not found", "request_id": str(uuid.uuid4())})
            name, price = ITEMS[i]
            o = {"id": i, "name": name, "price": price, "fetched_at": now_iso(),
                 "trace": str(uuid.uuid4())}
            if VERSION == "v2":
                o["price"] = "%.2f" % price
                o["currency"] = "EUR"
            return self.send(200, o)
        if p == "/me":
            if self.headers.get("Authorization") == "Bearer tok-e2e-secret":
                return self.send(200, {"user": "alice"}, cookie="session=s3cr3t-e2e; HttpOnly")
            return self.send(401, {"error": "unauthorized"})
        if p == "/v2/stats" and VERSION == "v2":
            return self.send(200, {"orders": orders})
        return self.send(404, {"error": "not found", "request_id": str(uuid.uuid4())})

    def do_POST(self):
        global orders
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        if self.path != "/orders":
            return self.send(404, {"error": "not found", "request_id": str(uuid.uuid4())})
        try:
            req = json.loads(body)
        except ValueError:
            return self.send(400, {"error": "bad json"})
        orders += 1
        return self.send(201, {"order": {"id": str(uuid.uuid4()), "item": req.get("item"),
                                         "qty": req.get("qty"),
                                         "created": email.utils.formatdate(usegmt=True)},
                               "status": "accepted" if VERSION == "v2" else "created"})


ThreadingHTTPServer.allow_reuse_address = True
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
