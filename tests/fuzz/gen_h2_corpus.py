# Generates the seeds of tests/corpus/h2, hpack and protobuf:
#   python3 tests/fuzz/gen_h2_corpus.py tests/corpus
# h2 seeds are in fuzz_h2.c's operation format; header blocks use HPACK's
# plain representations (RFC 7541 6: indexed, literal with and without
# indexing, table size update), Huffman strings taken from real traffic.
import gzip, os, struct, sys, zlib

out = sys.argv[1]
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


def frame(t, fl, sid, p=b""):
    return struct.pack(">I", len(p))[1:] + bytes([t, fl]) + struct.pack(">I", sid) + p


def s(v):
    v = v.encode() if isinstance(v, str) else v
    assert len(v) < 127
    return bytes([len(v)]) + v


def lit(name, value, index=False):  # literal, new name
    return (b"\x40" if index else b"\x00") + s(name) + s(value)


def lit_idx(i, value, index=False):  # literal, indexed name (4- or 6-bit prefix)
    assert i < 15
    return bytes([(0x40 | i) if index else i]) + s(value)


GET = b"\x82\x86"  # :method GET, :scheme http
S200, S204, S404 = b"\x88", b"\x89", b"\x8d"


def req(path, extra=b"", method=GET):
    return method + lit_idx(4, path) + lit_idx(1, "svc", True) + extra


def grpc_msg(pb, compressed=False):
    if compressed:
        pb = gzip.compress(pb)
    return bytes([1 if compressed else 0]) + struct.pack(">I", len(pb)) + pb


def ops(flags, pieces):
    """pieces: (dir, bytes) data, ('gap', dir, n), ('eof', dir)"""
    o = bytes([flags])
    for p in pieces:
        if p[0] == "gap":
            o += bytes([2 | (p[1] << 2), p[2]])
        elif p[0] == "eof":
            o += bytes([3 | (p[1] << 2)])
        else:
            d, b = p
            for i in range(0, len(b), 200):
                c = b[i:i + 200]
                o += bytes([d, len(c)]) + c
    return o


def put(sub, name, data):
    os.makedirs(os.path.join(out, sub), exist_ok=True)
    open(os.path.join(out, sub, name), "wb").write(data)


settings = frame(4, 0, 0, b"\x00\x01\x00\x00\x10\x00\x00\x03\x00\x00\x00\x64")
pb = b"\x0a\x05alice\x10\x2a\x1a\x05\x08\x01\x12\x01x"

put("h2", "prior", ops(1, [
    (0, PREFACE + settings), (1, frame(4, 0, 0)), (0, frame(4, 1, 0)),
    (0, frame(1, 5, 1, req("/a", lit("x-new", "v", True)))),
    (1, frame(1, 4, 1, S200 + lit("content-type", "text/plain"))),
    (1, frame(0, 8, 1, b"\x03hel\0\0\0") + frame(0, 1, 1, b"lo")),
    (0, frame(1, 5, 3, req("/b", b"\xbe"))),  # x-new from the dynamic table
    (1, frame(1, 5, 3, S404)),
]))
put("h2", "server_first", ops(1, [
    (1, settings), (0, PREFACE + frame(4, 0, 0)),
    (0, frame(1, 0x25, 1, b"\x00\x00\x00\x00\x10" + req("/x"))),  # PRIORITY flag
    (1, frame(1, 5, 1, S204)),
]))
blk = req("/continued", lit("x-long", "a" * 60) + lit("x-more", "b" * 60))
put("h2", "continuation", ops(1, [
    (0, PREFACE + settings),
    (0, frame(1, 0x09, 1, b"\x02" + blk[:10] + b"\0\0") + frame(9, 0, 1, blk[10:40]) + frame(9, 4, 1, blk[40:])),
    (0, frame(0, 1, 1, b"body")),
    (1, frame(1, 4, 1, S200) + frame(0, 0, 1, b"part1") + frame(8, 0, 0, b"\0\0\1\0") + frame(6, 0, 0, b"12345678")),
    (1, frame(0, 0, 1, b"part2") + frame(1, 5, 1, lit("x-trailer", "yes"))),
    (0, frame(1, 5, 3, req("/reset"))), (1, frame(1, 4, 3, S200)), (0, frame(3, 0, 3, b"\0\0\0\x08")),
    (1, frame(5, 4, 1, b"\0\0\0\x02" + req("/pushed"))), (1, frame(1, 5, 2, S200)),
    (1, frame(7, 0, 0, b"\0\0\0\x03\0\0\0\0")),
]))
put("h2", "upgrade", ops(1, [
    (0, b"GET /up HTTP/1.1\r\nHost: h\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n"),
    (1, b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n" + frame(4, 0, 0)),
    (1, frame(1, 4, 1, S200) + frame(0, 1, 1, b"upgraded")),
    (0, PREFACE + frame(4, 0, 0) + frame(1, 5, 3, req("/next"))),
    (1, frame(1, 5, 3, S204)),
]))
ct = lit("content-type", "application/grpc")
put("h2", "grpc", ops(1, [
    (1, settings), (0, PREFACE + settings),
    (0, frame(1, 4, 1, b"\x83\x86" + lit_idx(4, "/demo.Greeter/SayHello") + ct + lit("grpc-encoding", "gzip"))),
    (0, frame(0, 1, 1, grpc_msg(pb, True))),
    (1, frame(1, 4, 1, S200 + ct) + frame(0, 0, 1, grpc_msg(pb)[:4])),
    (1, frame(0, 0, 1, grpc_msg(pb)[4:]) + frame(1, 5, 1, lit("grpc-status", "0"))),
    (0, frame(1, 4, 3, b"\x83\x86" + lit_idx(4, "/demo.Greeter/ListItems") + ct) + frame(0, 1, 3, grpc_msg(b""))),
    (1, frame(1, 4, 3, S200 + ct) + frame(0, 0, 3, grpc_msg(pb) * 3)),
    (1, frame(1, 5, 3, lit("grpc-status", "13") + lit("grpc-message", "boom"))),
    (0, frame(1, 5, 5, b"\x83\x86" + lit_idx(4, "/demo.Greeter/Nope") + ct)),
    (1, frame(1, 5, 5, S200 + ct + lit("grpc-status", "12"))),
]))
put("h2", "middle", ops(4, [
    (0, frame(1, 5, 7, GET + b"\xbe\xbf" + lit("x-new", "fresh", True))),
    (1, frame(1, 5, 7, S200 + b"\xc0")),
    (0, frame(1, 5, 9, GET + lit_idx(4, "/b") + b"\xbe")),
    (1, frame(1, 5, 9, S404)),
]))
put("h2", "middle_sniffed", ops(0, [
    (1, frame(1, 4, 7, S200 + b"\xc0") + frame(0, 1, 7, b"late")),
    (0, frame(1, 5, 9, GET + lit_idx(4, "/b"))),
]))
put("h2", "gaps", ops(1, [
    (0, PREFACE + settings + frame(1, 5, 1, req("/a")) + frame(1, 5, 3, req("/b"))),
    (1, frame(1, 4, 1, S200) + frame(0, 1, 1, b"0123456789")[:12]), ("gap", 1, 4),
    (1, b"789" + frame(1, 4, 3, S200)[:5]), ("gap", 1, 0),
    (1, frame(0, 1, 3, b"tail")), ("eof", 0), ("eof", 1),
]))

# hpack: flags, table-size byte, split byte, then (length, block)...
def hp(flags, size, split, blocks):
    o = bytes([flags, size, split])
    for b in blocks:
        o += bytes([len(b)]) + b
    return o

# Huffman-coded values from real traffic (curl and nghttpd)
huff_ua = bytes.fromhex("7a88254b6b0f6bcf99")  # user-agent (indexed name 58), Huffman value
put("hpack", "static", hp(0, 0, 0, [req("/x"), S200, req("/y", b"\xbe"), S404]))
put("hpack", "huffman", hp(0, 0, 0, [GET + b"\x44\x82\x62\x51" + huff_ua[:1] + bytes([0x80 | 7]) + b"\x25\xb6\x50\xc3\xab\xbc\xf2", S200]))
put("hpack", "size_update", hp(2, 1, 0, [b"\x3f\xe1\x1f" + req("/a", lit("k", "v", True)), S200, b"\x20" + req("/b", b"\xbe"), S200]))
put("hpack", "middle", hp(1, 0, 0, [GET + b"\xbe\xc5\x7f\x10" + s("x") + lit("n", "v", True), S200 + b"\xbe", req("/c", b"\xbe"), S204]))
put("hpack", "split", hp(4, 0, 3, [req("/split", lit("x-long", "z" * 40)), S200]))
put("hpack", "bad_index", hp(0, 0, 0, [b"\xff\xff\xff\x0f", S200, req("/after"), S200]))

# protobuf: coding byte, cap byte, message / coded body
put("protobuf", "message", b"\x09\x10" + pb)
put("protobuf", "nested_repeated", b"\x09\x10" + b"\x08\x01\x08\x02\x1a\x03\x08\x96\x01\x0b\x08\x05\x0c\x22\x03\xff\xfe\x01\x2d\x01\0\0\0\x31" + b"\x02" + b"\0" * 7)
put("protobuf", "gzip", b"\x00\x40" + gzip.compress(pb * 20))
put("protobuf", "deflate_zlib", b"\x01\x40" + zlib.compress(pb * 20))
put("protobuf", "deflate_raw", b"\x01\x40" + zlib.compress(pb * 20)[2:-4])
put("protobuf", "br", b"\x02\x40" + bytes([0x21, 0x74, 0x00, 0x04, 0x7b, 0x22, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x22, 0x3a,
                                         0x22, 0x62, 0x72, 0x6f, 0x74, 0x6c, 0x69, 0x22, 0x2c, 0x22, 0x6e, 0x22, 0x3a,
                                         0x5b, 0x31, 0x2c, 0x32, 0x2c, 0x33, 0x5d, 0x7d, 0x03]))
put("protobuf", "zstd", b"\x03\x40" + bytes.fromhex("28b52ffd0458b900007b227a737464223a747275652c226e223a31323334357d42780c15"))
put("protobuf", "bomb", b"\x00\xff" + gzip.compress(b"\0" * 200000))
