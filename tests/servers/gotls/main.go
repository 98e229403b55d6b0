// Command gotls is an HTTPS server and client on Go's crypto/tls, for
// sockrec's Go TLS plaintext test (tests/e2e/capture_gotls.sh). Both write
// the TLS secrets to a key log (tls.Config.KeyLogWriter, NSS key log
// format), so that tshark can decrypt a packet capture of the same traffic
// independently.
//
//	gotls server -addr 127.0.0.1:PORT -cert C -key K -root DIR -keylog FILE \
//	    [-plain 127.0.0.1:PORT2] [-unix PATH]
//	    serves the files under DIR and net/http/pprof (/debug/pprof/), HTTP/1.1
//	    only (no ALPN h2), TLS 1.2 and 1.3, keep-alive; the same without TLS
//	    on -plain, and with TLS on a unix socket -unix, when given
//	gotls client -base https://127.0.0.1:PORT -tls 1.3 -keylog FILE \
//	    -conns 2 -delay 1s PATH...
//	    after -delay, opens -conns connections at once (one http.Transport
//	    each, in its own goroutine) and requests every PATH in order on
//	    each, keep-alive (one connection per transport); each path gets
//	    "?go=VERSION-CONN" appended (or "&go=..." when it has a query).
//	    Prints one line per response: conn, path, status, body bytes.
//	    -unix PATH: over the server's unix socket instead (TLS over a
//	    net.Conn that is not a *net.TCPConn).
//
// Standard library only (Debian's golang-go, offline).
package main

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	_ "net/http/pprof" // /debug/pprof/ on the default mux
	"os"
	"strings"
	"sync"
	"time"
)

func keyLog(path string) io.Writer {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0600)
	if err != nil {
		log.Fatal(err)
	}
	return f
}

func server(args []string) {
	fs := flag.NewFlagSet("server", flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:8443", "listen address")
	cert := fs.String("cert", "", "certificate (PEM)")
	key := fs.String("key", "", "private key (PEM)")
	root := fs.String("root", ".", "directory served")
	keylog := fs.String("keylog", "", "TLS key log file (appended)")
	plain := fs.String("plain", "", "also serve without TLS on this address")
	unix := fs.String("unix", "", "also serve with TLS on this unix socket")
	fs.Parse(args)

	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if *keylog != "" {
		cfg.KeyLogWriter = keyLog(*keylog)
	}
	mux := http.DefaultServeMux
	mux.Handle("/", http.FileServer(http.Dir(*root)))
	srv := &http.Server{
		Addr:              *addr,
		Handler:           mux,
		TLSConfig:         cfg,
		TLSNextProto:      map[string]func(*http.Server, *tls.Conn, http.Handler){}, // no h2
		ReadHeaderTimeout: 10 * time.Second,
	}
	if *unix != "" {
		ln, err := net.Listen("unix", *unix)
		if err != nil {
			log.Fatal(err)
		}
		go func() { log.Fatal(srv.ServeTLS(ln, *cert, *key)) }()
	}
	if *plain != "" {
		go func() {
			p := &http.Server{Addr: *plain, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
			log.Fatal(p.ListenAndServe())
		}()
	}
	log.Fatal(srv.ListenAndServeTLS(*cert, *key))
}

func client(args []string) {
	fs := flag.NewFlagSet("client", flag.ExitOnError)
	base := fs.String("base", "https://127.0.0.1:8443", "server URL")
	version := fs.String("tls", "1.3", "TLS version: 1.2 or 1.3")
	keylog := fs.String("keylog", "", "TLS key log file (appended)")
	conns := fs.Int("conns", 1, "connections opened at once")
	delay := fs.Duration("delay", 0, "wait before the first connection")
	unix := fs.String("unix", "", "connect to this unix socket instead")
	fs.Parse(args)

	v := uint16(tls.VersionTLS13)
	if *version == "1.2" {
		v = tls.VersionTLS12
	}
	time.Sleep(*delay)
	var wg sync.WaitGroup
	var mu sync.Mutex
	failed := false
	for c := 0; c < *conns; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			cfg := &tls.Config{InsecureSkipVerify: true, MinVersion: v, MaxVersion: v}
			if *keylog != "" {
				cfg.KeyLogWriter = keyLog(*keylog)
			}
			tr := &http.Transport{TLSClientConfig: cfg, MaxConnsPerHost: 1}
			if *unix != "" {
				tr.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
					var d net.Dialer
					return d.DialContext(ctx, "unix", *unix)
				}
			}
			cl := &http.Client{Transport: tr, Timeout: 30 * time.Second}
			for _, p := range fs.Args() {
				sep := "?"
				if strings.Contains(p, "?") {
					sep = "&"
				}
				u := fmt.Sprintf("%s%s%sgo=%s-%d", *base, p, sep, *version, c)
				resp, err := cl.Get(u)
				if err != nil {
					mu.Lock()
					fmt.Fprintf(os.Stderr, "gotls client: %v\n", err)
					failed = true
					mu.Unlock()
					return
				}
				n, err := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				mu.Lock()
				fmt.Printf("conn %d %s %d %d\n", c, p, resp.StatusCode, n)
				if err != nil || resp.StatusCode != 200 {
					failed = true
				}
				mu.Unlock()
			}
			tr.CloseIdleConnections()
		}(c)
	}
	wg.Wait()
	if failed {
		os.Exit(1)
	}
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("gotls: ")
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: gotls server|client [flags]")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "server":
		server(os.Args[2:])
	case "client":
		client(os.Args[2:])
	default:
		fmt.Fprintf(os.Stderr, "gotls: unknown command %q\n", os.Args[1])
		os.Exit(2)
	}
}
