#!/usr/bin/python3
"""grpc_pair.py - a gRPC server and client without generated code (python3-grpcio,
generic handlers, messages encoded by hand as protobuf), for tests/e2e/analyze_h2.sh.

  grpc_pair.py server PORT        serves demo.Greeter until killed
  grpc_pair.py client PORT N      makes the calls below, prints one JSON line each
  grpc_pair.py load PORT N        N unary calls and N / 10 ListItems of 50 (bench/h2.sh)
  grpc_pair.py linger PORT DIR    3 calls, then DIR/phase1, waits for DIR/go, then on the
                                  same connection: SayHello, Fresh twice (not served:
                                  UNIMPLEMENTED), ListItems of 3; prints them as JSON lines

demo.Greeter/SayHello (unary): request {1: name, 2: count[, 4: padding]}; reply
  {1: "hello " + name, 2: count * 2, 3: {1: "nested", 2: 7}[, 4: padding]}, gzip-compressed
  when there is padding; the name "missing" is answered with NOT_FOUND "no such name".
demo.Greeter/ListItems (server streaming): request {1: name, 2: n}; n replies
  {1: name, 2: i}.
The client calls SayHello plain, SayHello gzip-compressed, SayHello "missing",
and ListItems with n = N, all on one channel (one connection).
"""
import json
import sys
import time
from concurrent import futures

import grpc


def varint(v):
    out = b""
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def field_str(num, s):
    b = s.encode() if isinstance(s, str) else s
    return varint(num << 3 | 2) + varint(len(b)) + b


def field_int(num, v):
    return varint(num << 3) + varint(v)


def parse(b):
    """top-level fields of a flat message: {num: value}"""
    out, i = {}, 0
    while i < len(b):
        key, i = read_varint(b, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = read_varint(b, i)
        elif wt == 2:
            n, i = read_varint(b, i)
            v, i = b[i:i + n].decode(), i + n
        else:
            raise ValueError("wire type %d" % wt)
        out[num] = v
    return out


def read_varint(b, i):
    v = shift = 0
    while True:
        c = b[i]
        i += 1
        v |= (c & 0x7F) << shift
        shift += 7
        if not c & 0x80:
            return v, i


def say_hello(req, ctx):
    m = parse(req)
    if m.get(1) == "missing":
        ctx.abort(grpc.StatusCode.NOT_FOUND, "no such name")
    out = (field_str(1, "hello " + m.get(1, "")) + field_int(2, m.get(2, 0) * 2) +
           field_str(3, field_str(1, "nested") + field_int(2, 7)))
    if 4 in m:
        # a padded request: the reply echoes the padding, gzip-compressed
        ctx.set_compression(grpc.Compression.Gzip)
        out += field_str(4, m[4])
    return out


def list_items(req, ctx):
    m = parse(req)
    for i in range(m.get(2, 0)):
        yield field_str(1, m.get(1, "")) + field_int(2, i)


def server(port):
    handler = grpc.method_handlers_generic_handler("demo.Greeter", {
        "SayHello": grpc.unary_unary_rpc_method_handler(say_hello),
        "ListItems": grpc.unary_stream_rpc_method_handler(list_items),
    })
    s = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    s.add_generic_rpc_handlers((handler,))
    s.add_insecure_port("127.0.0.1:%d" % port)
    s.start()
    print("listening", flush=True)
    s.wait_for_termination()


def client(port, n):
    ch = grpc.insecure_channel("127.0.0.1:%d" % port)
    hello = ch.unary_unary("/demo.Greeter/SayHello")
    items = ch.unary_stream("/demo.Greeter/ListItems")
    r = hello(field_str(1, "alice") + field_int(2, 21), timeout=10)
    print(json.dumps({"path": "/demo.Greeter/SayHello", "status": 0, "reply": parse(r)}))
    r = hello(field_str(1, "bob") + field_int(2, 5) + field_str(4, "pad" * 500), timeout=10,
              compression=grpc.Compression.Gzip)
    reply = parse(r)
    assert reply[4] == "pad" * 500
    del reply[4]
    print(json.dumps({"path": "/demo.Greeter/SayHello", "status": 0, "reply": reply,
                      "compressed": True}))
    try:
        hello(field_str(1, "missing"), timeout=10)
        raise SystemExit("missing: no error")
    except grpc.RpcError as e:
        print(json.dumps({"path": "/demo.Greeter/SayHello", "status": e.code().value[0],
                          "message": e.details()}))
    got = [parse(x) for x in items(field_str(1, "carol") + field_int(2, n), timeout=10)]
    print(json.dumps({"path": "/demo.Greeter/ListItems", "status": 0, "count": len(got)}))
    ch.close()


def load(port, n):
    ch = grpc.insecure_channel("127.0.0.1:%d" % port)
    hello = ch.unary_unary("/demo.Greeter/SayHello")
    items = ch.unary_stream("/demo.Greeter/ListItems")
    got = 0
    for i in range(n):
        hello(field_str(1, "user-%d" % i) + field_int(2, i), timeout=10)
        if i % 10 == 0:
            got += sum(1 for _ in items(field_str(1, "load") + field_int(2, 50), timeout=10))
    ch.close()
    print(json.dumps({"unary": n, "streamed": got}))


def linger(port, d):
    import os
    ch = grpc.insecure_channel("127.0.0.1:%d" % port)
    hello = ch.unary_unary("/demo.Greeter/SayHello")
    items = ch.unary_stream("/demo.Greeter/ListItems")
    fresh = ch.unary_unary("/demo.Greeter/Fresh")
    hello(field_str(1, "early") + field_int(2, 1), timeout=10)
    list(items(field_str(1, "early") + field_int(2, 2), timeout=10))
    hello(field_str(1, "early2") + field_int(2, 2), timeout=10)
    open(os.path.join(d, "phase1"), "w").close()
    for _ in range(300):
        if os.path.exists(os.path.join(d, "go")):
            break
        time.sleep(0.1)
    out = []
    hello(field_str(1, "alice") + field_int(2, 21), timeout=10)
    out.append({"path": "/demo.Greeter/SayHello", "status": 0})
    for _ in range(2):
        try:
            fresh(field_str(1, "x"), timeout=10)
        except grpc.RpcError as e:
            out.append({"path": "/demo.Greeter/Fresh", "status": e.code().value[0]})
    n = len(list(items(field_str(1, "late") + field_int(2, 3), timeout=10)))
    out.append({"path": "/demo.Greeter/ListItems", "status": 0, "count": n})
    ch.close()
    for o in out:
        print(json.dumps(o))


if __name__ == "__main__":
    if sys.argv[1] == "server":
        server(int(sys.argv[2]))
    elif sys.argv[1] == "linger":
        linger(int(sys.argv[2]), sys.argv[3])
    elif sys.argv[1] == "load":
        load(int(sys.argv[2]), int(sys.argv[3]))
    else:
        client(int(sys.argv[2]), int(sys.argv[3]))
