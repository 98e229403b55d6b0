// Command orders is the demo's back-end service: a small JSON API over
// HTTP that keeps orders in PostgreSQL and counters in Redis.
//
//	GET  /orders    the five newest orders and the order count
//	POST /orders    {"item":"widget","qty":2} -> 201 {"id":N,"status":"created"}
//	GET  /healthz   ok
//
// Standard library only (Debian's golang-go, offline, no drivers), so it
// speaks the PostgreSQL frontend/backend protocol v3 (startup, SCRAM-SHA-256
// per RFC 5802/7677, simple query) and Redis RESP itself, over one
// persistent connection each. It talks only to the addresses it is given.
package main

import (
	"bufio"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

const maxMsg = 1 << 20 // largest PostgreSQL message or Redis reply we accept

// ---------------------------------------------------------------- PostgreSQL

type pg struct {
	mu             sync.Mutex
	addr, user, db string
	password       string
	c              net.Conn
	r              *bufio.Reader
}

func (p *pg) send(typ byte, body []byte) error {
	msg := make([]byte, 0, 5+len(body))
	if typ != 0 {
		msg = append(msg, typ)
	}
	msg = binary.BigEndian.AppendUint32(msg, uint32(4+len(body)))
	msg = append(msg, body...)
	_, err := p.c.Write(msg)
	return err
}

func (p *pg) recv() (byte, []byte, error) {
	var hdr [5]byte
	if _, err := io.ReadFull(p.r, hdr[:]); err != nil {
		return 0, nil, err
	}
	n := binary.BigEndian.Uint32(hdr[1:])
	if n < 4 || n > maxMsg {
		return 0, nil, fmt.Errorf("postgres: bad message length %d", n)
	}
	body := make([]byte, n-4)
	_, err := io.ReadFull(p.r, body)
	return hdr[0], body, err
}

func cstr(s string) []byte { return append([]byte(s), 0) }

func pbkdf2(password, salt []byte, iter int) []byte {
	mac := hmac.New(sha256.New, password)
	mac.Write(salt)
	mac.Write([]byte{0, 0, 0, 1})
	u := mac.Sum(nil)
	out := append([]byte(nil), u...)
	for i := 1; i < iter; i++ {
		mac.Reset()
		mac.Write(u)
		u = mac.Sum(u[:0])
		for j := range out {
			out[j] ^= u[j]
		}
	}
	return out
}

func hmacSum(key []byte, s string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(s))
	return m.Sum(nil)
}

// scram runs SCRAM-SHA-256 after AuthenticationSASL.
func (p *pg) scram() error {
	nb := make([]byte, 18)
	if _, err := rand.Read(nb); err != nil {
		return err
	}
	cnonce := base64.StdEncoding.EncodeToString(nb)
	first := "n=,r=" + cnonce
	body := cstr("SCRAM-SHA-256")
	body = binary.BigEndian.AppendUint32(body, uint32(len("n,,"+first)))
	body = append(body, "n,,"+first...)
	if err := p.send('p', body); err != nil {
		return err
	}
	t, b, err := p.recv()
	if err != nil || t != 'R' || len(b) < 4 || binary.BigEndian.Uint32(b) != 11 {
		return fmt.Errorf("postgres: expected SASLContinue (%c): %v", t, err)
	}
	server := string(b[4:])
	var nonce, salt string
	iter := 0
	for _, kv := range strings.Split(server, ",") {
		switch {
		case strings.HasPrefix(kv, "r="):
			nonce = kv[2:]
		case strings.HasPrefix(kv, "s="):
			salt = kv[2:]
		case strings.HasPrefix(kv, "i="):
			iter, _ = strconv.Atoi(kv[2:])
		}
	}
	rawSalt, err := base64.StdEncoding.DecodeString(salt)
	if err != nil || !strings.HasPrefix(nonce, cnonce) || iter < 1 || iter > 1<<20 {
		return errors.New("postgres: bad SCRAM server-first message")
	}
	salted := pbkdf2([]byte(p.password), rawSalt, iter)
	clientKey := hmacSum(salted, "Client Key")
	stored := sha256.Sum256(clientKey)
	final := "c=biws,r=" + nonce
	sig := hmacSum(stored[:], first+","+server+","+final)
	for i := range sig {
		sig[i] ^= clientKey[i]
	}
	final += ",p=" + base64.StdEncoding.EncodeToString(sig)
	return p.send('p', []byte(final))
}

func (p *pg) connect() error {
	c, err := net.DialTimeout("tcp", p.addr, 5*time.Second)
	if err != nil {
		return err
	}
	p.c, p.r = c, bufio.NewReader(c)
	body := binary.BigEndian.AppendUint32(nil, 196608) // protocol 3.0
	for _, s := range []string{"user", p.user, "database", p.db, "application_name", "orders"} {
		body = append(body, cstr(s)...)
	}
	body = append(body, 0)
	if err := p.send(0, body); err != nil {
		return err
	}
	for {
		t, b, err := p.recv()
		if err != nil {
			return err
		}
		switch t {
		case 'R':
			if len(b) < 4 {
				return errors.New("postgres: short auth message")
			}
			switch binary.BigEndian.Uint32(b) {
			case 0, 12: // AuthenticationOk, SASLFinal
			case 10:
				if err := p.scram(); err != nil {
					return err
				}
			default:
				return fmt.Errorf("postgres: unsupported auth method %d", binary.BigEndian.Uint32(b))
			}
		case 'E':
			return fmt.Errorf("postgres: %s", pgError(b))
		case 'Z':
			return nil
		}
	}
}

func pgError(b []byte) string {
	var msg []string
	for _, f := range strings.Split(string(b), "\x00") {
		if len(f) > 1 && (f[0] == 'M' || f[0] == 'C') {
			msg = append(msg, f[1:])
		}
	}
	return strings.Join(msg, " ")
}

// query runs one simple query and returns its rows as text.
func (p *pg) query(sql string) ([][]string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.c == nil {
		if err := p.connect(); err != nil {
			p.c = nil
			return nil, err
		}
	}
	rows, err := p.queryLocked(sql)
	if err != nil && !strings.HasPrefix(err.Error(), "postgres: ") {
		p.c.Close()
		p.c = nil
	}
	return rows, err
}

func (p *pg) queryLocked(sql string) ([][]string, error) {
	if err := p.send('Q', cstr(sql)); err != nil {
		return nil, err
	}
	var rows [][]string
	var qerr error
	for {
		t, b, err := p.recv()
		if err != nil {
			return nil, err
		}
		switch t {
		case 'D':
			if len(b) < 2 {
				return nil, errors.New("short DataRow")
			}
			n := int(binary.BigEndian.Uint16(b))
			b = b[2:]
			row := make([]string, 0, n)
			for i := 0; i < n; i++ {
				if len(b) < 4 {
					return nil, errors.New("short DataRow column")
				}
				l := int32(binary.BigEndian.Uint32(b))
				b = b[4:]
				if l < 0 {
					row = append(row, "")
					continue
				}
				if int(l) > len(b) {
					return nil, errors.New("DataRow column too long")
				}
				row = append(row, string(b[:l]))
				b = b[l:]
			}
			rows = append(rows, row)
		case 'E':
			qerr = fmt.Errorf("postgres: %s", pgError(b))
		case 'Z':
			return rows, qerr
		}
	}
}

// ---------------------------------------------------------------- Redis

type redis struct {
	mu   sync.Mutex
	addr string
	c    net.Conn
	r    *bufio.Reader
}

func (r *redis) readReply(depth int) (interface{}, error) {
	line, err := r.r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" || depth > 4 {
		return nil, errors.New("redis: bad reply")
	}
	switch line[0] {
	case '+':
		return line[1:], nil
	case '-':
		return nil, errors.New("redis: " + line[1:])
	case ':':
		return strconv.ParseInt(line[1:], 10, 64)
	case '$':
		n, err := strconv.Atoi(line[1:])
		if err != nil || n > maxMsg {
			return nil, errors.New("redis: bad bulk length")
		}
		if n < 0 {
			return nil, nil
		}
		b := make([]byte, n+2)
		_, err = io.ReadFull(r.r, b)
		return string(b[:n]), err
	case '*':
		n, err := strconv.Atoi(line[1:])
		if err != nil || n > 1024 {
			return nil, errors.New("redis: bad array length")
		}
		out := make([]interface{}, 0, max(n, 0))
		for i := 0; i < n; i++ {
			v, err := r.readReply(depth + 1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	}
	return nil, errors.New("redis: unknown reply type")
}

func max(a, b int) int {
	if a > b {
		return a
	}
	return b
}

func (r *redis) do(args ...string) (interface{}, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.c == nil {
		c, err := net.DialTimeout("tcp", r.addr, 5*time.Second)
		if err != nil {
			return nil, err
		}
		r.c, r.r = c, bufio.NewReader(c)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	r.c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(r.c, b.String()); err != nil {
		r.c.Close()
		r.c = nil
		return nil, err
	}
	v, err := r.readReply(0)
	if err != nil && !strings.HasPrefix(err.Error(), "redis: ") {
		r.c.Close()
		r.c = nil
	}
	return v, err
}

// ---------------------------------------------------------------- HTTP

type order struct {
	ID   int    `json:"id,omitempty"`
	Item string `json:"item"`
	Qty  int    `json:"qty"`
}

var itemRe = regexp.MustCompile(`^[a-z0-9 -]{1,32}$`)

func writeJSON(w http.ResponseWriter, code int, v interface{}) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("orders: ")
	addr := flag.String("addr", "127.0.0.1:8081", "listen address")
	pgAddr := flag.String("pg", "127.0.0.1:5432", "PostgreSQL address")
	redisAddr := flag.String("redis", "127.0.0.1:6379", "Redis address")
	flag.Parse()

	db := &pg{addr: *pgAddr, user: "app", db: "app", password: os.Getenv("ORDERS_DB_PASSWORD")}
	cache := &redis{addr: *redisAddr}
	var err error
	for i := 0; i < 50; i++ { // bounded: 10 s
		if _, err = db.query(`CREATE TABLE IF NOT EXISTS orders (
			id serial PRIMARY KEY, item text NOT NULL, qty int NOT NULL,
			created timestamptz NOT NULL DEFAULT now())`); err == nil {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err != nil {
		log.Fatalf("cannot reach PostgreSQL at %s: %v", *pgAddr, err)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("/orders", func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet:
			rows, err := db.query("SELECT id, item, qty FROM orders ORDER BY id DESC LIMIT 5")
			if err != nil {
				writeJSON(w, 502, map[string]string{"error": err.Error()})
				return
			}
			list := []order{}
			for _, row := range rows {
				id, _ := strconv.Atoi(row[0])
				qty, _ := strconv.Atoi(row[2])
				list = append(list, order{ID: id, Item: row[1], Qty: qty})
			}
			count, _ := cache.do("GET", "orders:count")
			n, _ := strconv.Atoi(fmt.Sprint(count))
			writeJSON(w, 200, map[string]interface{}{"orders": list, "count": n})
		case http.MethodPost:
			var o order
			if err := json.NewDecoder(io.LimitReader(r.Body, 4096)).Decode(&o); err != nil ||
				!itemRe.MatchString(o.Item) || o.Qty < 1 || o.Qty > 1000 {
				writeJSON(w, 400, map[string]string{"error": "want {\"item\":\"name\",\"qty\":1..1000}"})
				return
			}
			rows, err := db.query(fmt.Sprintf(
				"INSERT INTO orders (item, qty) VALUES ('%s', %d) RETURNING id", o.Item, o.Qty))
			if err != nil || len(rows) != 1 {
				writeJSON(w, 502, map[string]string{"error": fmt.Sprint(err)})
				return
			}
			id, _ := strconv.Atoi(rows[0][0])
			cache.do("INCR", "orders:count")
			cache.do("SET", "orders:last", rows[0][0])
			writeJSON(w, 201, map[string]interface{}{"id": id, "status": "created"})
		default:
			w.Header().Set("Allow", "GET, POST")
			writeJSON(w, 405, map[string]string{"error": "method not allowed"})
		}
	})
	srv := &http.Server{Addr: *addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.ListenAndServe())
}
