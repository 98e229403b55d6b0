# Generates tests/corpus/classify (python3 tests/fuzz/gen_classify_corpus.py tests/corpus/classify):
# each file is port(be16) clientlen(be16) client-bytes server-bytes.
import struct, os, sys
out = sys.argv[1]
def be16(v): return struct.pack('>H', v)
def be24(v): return struct.pack('>I', v)[1:]
def be32(v): return struct.pack('>I', v)
def le16(v): return struct.pack('<H', v)
def le24(v): return struct.pack('<I', v)[:3]
def le32(v): return struct.pack('<I', v & 0xffffffff)
def cstr(s): return s.encode() + b'\0'

def pg_startup():
    body = be32(196608) + cstr('user') + cstr('postgres') + cstr('database') + cstr('app') + b'\0'
    return be32(len(body) + 4) + body
def pg_auth_sasl():
    body = be32(10) + cstr('SCRAM-SHA-256') + b'\0'
    return b'R' + be32(len(body) + 4) + body
def pg_auth_md5():
    return b'R' + be32(12) + be32(5) + b'\x01\x02\x03\x04'
def pg_error():
    body = b'S' + cstr('FATAL') + b'V' + cstr('FATAL') + b'C' + cstr('28P01') + b'M' + cstr('password authentication failed for user "app"') + b'\0'
    return b'E' + be32(len(body) + 4) + body
def mysql_greeting(ver):
    p = b'\x0a' + cstr(ver) + le32(13) + b'\x11\x22\x33\x44\x55\x66\x77\x01' + b'\0' + le16(0xffff) + b'\xff' + le16(2) + le16(0xdfff) + b'\x15' + b'\0'*10 + bytes(range(0x21, 0x2d)) + b'\0' + cstr('caching_sha2_password')
    return le24(len(p)) + b'\0' + p
def mysql_response(ssl):
    caps = 0x200 | 0x8000 | 0x80000 | (0x800 if ssl else 0)
    p = le32(caps) + le32(16777216) + b'\xff' + b'\0'*23
    if not ssl:
        p += cstr('root') + b'\x14' + b'abcdefghijklmnopqrst' + cstr('caching_sha2_password')
    return le24(len(p)) + b'\x01' + p
def bson_hello():
    d = b'\x10' + cstr('hello') + le32(1) + b'\x02' + cstr('$db') + le32(6) + cstr('admin') + b'\0'
    return le32(len(d) + 4) + d
def mongo_msg(req, resp):
    body = le32(0) + b'\0' + bson_hello()
    return le32(len(body) + 16) + le32(req) + le32(resp) + le32(2013) + body
def mongo_query():
    body = le32(0) + cstr('admin.$cmd') + le32(0) + le32(0xffffffff) + bson_hello()
    return le32(len(body) + 16) + le32(7) + le32(0) + le32(2004) + body
def tds(t):
    opts = [(0, 6), (1, 1), (2, 1), (3, 4), (4, 1)]
    off = len(opts) * 5 + 1
    table = b''
    for tok, l in opts:
        table += bytes([tok]) + be16(off) + be16(l); off += l
    table += b'\xff'
    data = b'\x10\x00\x07\xd0' + be16(0) + b'\0' + b'\0' + be32(0x1234) + b'\0'
    p = table + data
    return bytes([t, 1]) + be16(len(p) + 8) + be16(0) + b'\x01\x00' + p
def mc_bin(resp):
    if resp:
        return b'\x81\x00' + be16(0) + b'\x04\x00' + be16(0) + be32(7) + be32(0xdeadbeef) + be32(0) + be32(1) + be32(0) + b'bar'
    return b'\x80\x00' + be16(3) + b'\x00\x00' + be16(0) + be32(3) + be32(0xdeadbeef) + be32(0) + be32(0) + b'foo'
def kafka_req():
    body = be16(18) + be16(3) + be32(1) + be16(7) + b'rdkafka' + b'\0' + b'\x0blibrdkafka' + b'\x062.3.0' + b'\0'
    return be32(len(body)) + body
def kafka_resp():
    body = be32(1) + be16(0) + b'\x01' + be32(0) + b'\0'
    return be32(len(body)) + body
def amqp_start():
    args = be16(10) + be16(10) + b'\x00\x09' + be32(0) + be32(14) + b'PLAIN AMQPLAIN' + be32(5) + b'en_US'
    return b'\x01' + be16(0) + be32(len(args)) + args + b'\xce'
def tls_ch(sni):
    body = be16(0x0303) + bytes(range(32)) + b'\x20' + bytes(range(0xa0, 0xc0)) + be16(4) + be16(0x1301) + be16(0x1302) + b'\x01\x00'
    ext = be16(0x002b) + be16(3) + b'\x02' + be16(0x0304)
    if sni:
        s = sni.encode()
        ext += be16(0) + be16(len(s) + 5) + be16(len(s) + 3) + b'\0' + be16(len(s)) + s
    body += be16(len(ext)) + ext
    hs = b'\x01' + be24(len(body)) + body
    return b'\x16' + be16(0x0301) + be16(len(hs)) + hs
def tls_sh():
    body = be16(0x0303) + bytes(range(32)) + b'\0' + be16(0x1301) + b'\0' + be16(0)
    hs = b'\x02' + be24(len(body)) + body
    return b'\x16' + be16(0x0303) + be16(len(hs)) + hs

cases = {
 'pg_startup': (5432, pg_startup(), pg_auth_sasl()),
 'pg_ssl_request': (5432, be32(8) + be32(80877103), b'S'),
 'pg_gssenc_request': (5432, be32(8) + be32(80877104), b'N'),
 'pg_cancel': (5432, be32(16) + be32(80877102) + be32(4242) + be32(0xcafebabe), b''),
 'pg_md5_auth': (5432, b'', pg_auth_md5()),
 'pg_error': (5432, b'', pg_error()),
 'pg_startup_port5433': (5433, pg_startup(), b''),
 'mysql_greeting': (3306, b'', mysql_greeting('8.0.36')),
 'mariadb_greeting': (3306, b'', mysql_greeting('5.5.5-10.11.6-MariaDB-0+deb12u1')),
 'mysql_response': (3306, mysql_response(False), mysql_greeting('8.0.36')),
 'mysql_ssl_request': (3306, mysql_response(True), b''),
 'mongo_op_msg': (27017, mongo_msg(1, 0), mongo_msg(100, 1)),
 'mongo_op_query': (27017, mongo_query(), b''),
 'tds_prelogin': (1433, tds(0x12), tds(0x04)),
 'redis_resp': (6379, b'*1\r\n$4\r\nPING\r\n', b'+PONG\r\n'),
 'redis_set': (6379, b'*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n', b'+OK\r\n'),
 'redis_hello3': (6379, b'*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n', b'%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n'),
 'redis_inline': (26379, b'PING\r\n', b'+PONG\r\n'),
 'memcached_set': (11211, b'set session:42 0 3600 5\r\nhello\r\n', b'STORED\r\n'),
 'memcached_get': (11211, b'get session:42\r\n', b'VALUE session:42 0 5\r\nhello\r\nEND\r\n'),
 'memcached_meta': (11211, b'mg foo v\r\n', b'EN\r\n'),
 'memcached_binary': (11211, mc_bin(False), mc_bin(True)),
 'kafka_api_versions': (9092, kafka_req(), kafka_resp()),
 'amqp_091': (5672, b'AMQP\x00\x00\x09\x01', amqp_start()),
 'amqp_10': (5672, b'AMQP\x00\x01\x00\x00', b'AMQP\x00\x01\x00\x00'),
 'nats_info': (4222, b'', b'INFO {"server_id":"NDJWE4","version":"2.10.7","proto":1,"max_payload":1048576}\r\n'),
 'nats_connect': (6222, b'CONNECT {"verbose":false,"pedantic":false,"lang":"go","version":"1.31.0","protocol":1}\r\nPING\r\n', b'INFO {}\r\n'),
 'nats_pub': (4222, b'PUB orders.new 5\r\nhello\r\n', b'MSG orders.new 1 5\r\nhello\r\n'),
 'tls_sni': (443, tls_ch('api.example.com'), tls_sh()),
 'tls_no_sni': (443, tls_ch(None), b''),
 'tls_on_postgres': (5432, tls_ch('db.internal'), b''),
 'http_request': (8080, b'GET /api/users?id=1 HTTP/1.1\r\nHost: users:8080\r\n\r\n', b'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}'),
 'http_on_redis_port': (6379, b'GET / HTTP/1.1\r\nHost: cache\r\n\r\n', b''),
 'http2_preface': (8080, b'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n' + b'\x00\x00\x00\x04\x00\x00\x00\x00\x00', b'\x00\x00\x06\x04\x00\x00\x00\x00\x00\x00\x03\x00\x00\x00\x64'),
 'empty_on_port': (6379, b'', b''),
 'text_unknown': (40000, b'hello world, this is just text\r\n', b'and more\r\n'),
 'truncated_mysql_greeting': (3306, b'', mysql_greeting('8.0.36')[:12]),
 'truncated_tls': (443, tls_ch('cut.example')[:40], b''),
 # fuzz-found shapes that used to over-claim
 'kafka_zero_junk': (5432, b'\x00\x40' + b'\0' * 14, b'\0\0\0\x04\0\0\0\0'),
 'pg_ssl_bad_len_then_S': (5433, be32(64) + be32(80877103), b'S'),
 'http_vs_redis_pair': (8080, b'GET /health HTTP/1.1\r\n\r\n', b'-ERR wrong number of arguments\r\n'),
 'tls_to_plain_http': (8080, tls_ch('shop.example'), b'HTTP/1.1 400 Bad Request\r\n\r\n'),
 'long_request_line': (8080, b'GET /' + b'a' * 5000 + b' HTTP/1.1\r\n', b''),
}
os.makedirs(out, exist_ok=True)
for name, (port, c, s) in cases.items():
    assert len(c) < 65536
    with open(os.path.join(out, name), 'wb') as f:
        f.write(be16(port) + be16(len(c)) + c + s)
print(len(cases), 'files')
