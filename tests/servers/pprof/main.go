// Command pprof is a small Go HTTP service that exposes net/http/pprof in
// one of the three ways seed 000 describes, so sockrec's fixtures and demo
// record real Go debug-endpoint traffic:
//
//	-mode exposed  app and pprof on the default mux, one listener (-addr):
//	               the "one import" mistake when -addr is 0.0.0.0:PORT
//	-mode private  the seed's safe pattern: the app on its own mux on -addr,
//	               pprof on the default mux on a separate -debug-addr
//	               (meant to be 127.0.0.1:PORT)
//	-mode prefix   pprof handlers mounted on the app's private mux under
//	               -prefix (e.g. /internal/dbg/), no /debug/pprof/ at all
//
// The app answers GET / with a greeting and GET /api/items with JSON. A
// background worker allocates, blocks and contends on a mutex so that every
// profile has something in it. Standard library only (Debian's golang-go,
// offline). -session-secret stands for the secrets real services take on the
// command line: fixtures pass a fake one, so /debug/pprof/cmdline leaks it.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"
)

func app() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprintf(w, "Hello World!\n")
	})
	mux.HandleFunc("/api/items", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]interface{}{
			"items": []map[string]interface{}{
				{"id": 1, "name": "widget"},
				{"id": 2, "name": "gadget"},
			},
		})
	})
	return mux
}

// mountPprof puts every pprof handler on mux under prefix, the way a
// service does when it keeps debug pages off /debug/pprof/.
func mountPprof(mux *http.ServeMux, prefix string) {
	mux.HandleFunc(prefix, pprof.Index)
	mux.HandleFunc(prefix+"cmdline", pprof.Cmdline)
	mux.HandleFunc(prefix+"profile", pprof.Profile)
	mux.HandleFunc(prefix+"symbol", pprof.Symbol)
	mux.HandleFunc(prefix+"trace", pprof.Trace)
	for _, name := range []string{"goroutine", "heap", "allocs", "threadcreate", "block", "mutex"} {
		mux.Handle(prefix+name, pprof.Handler(name))
	}
}

// worker keeps the profiles non-empty: allocations, a contended mutex and a
// goroutine parked on a channel.
func worker() {
	var mu sync.Mutex
	var keep [][]byte
	park := make(chan struct{})
	go func() { <-park }()
	for i := 0; ; i++ {
		var wg sync.WaitGroup
		for j := 0; j < 4; j++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				mu.Lock()
				keep = append(keep, make([]byte, 4096))
				if len(keep) > 256 {
					keep = keep[:0]
				}
				mu.Unlock()
			}()
		}
		wg.Wait()
		time.Sleep(50 * time.Millisecond)
	}
}

func serve(addr string, h http.Handler) {
	srv := &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.ListenAndServe())
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("pprof-server: ")
	mode := flag.String("mode", "exposed", "exposed, private or prefix")
	addr := flag.String("addr", "127.0.0.1:6060", "application listen address")
	debugAddr := flag.String("debug-addr", "127.0.0.1:6061", "pprof listen address (-mode private)")
	prefix := flag.String("prefix", "/internal/dbg/", "pprof path prefix (-mode prefix)")
	secret := flag.String("session-secret", "", "key that signs session cookies")
	flag.Parse()

	if *secret == "" {
		log.Print("warning: no -session-secret, sessions are unsigned")
	}
	runtime.SetBlockProfileRate(1)
	runtime.SetMutexProfileFraction(1)
	go worker()

	switch *mode {
	case "exposed":
		// net/http/pprof's init registered /debug/pprof/ on the default mux.
		mux := http.DefaultServeMux
		appMux := app()
		mux.Handle("/api/", appMux)
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { appMux.ServeHTTP(w, r) })
		serve(*addr, mux)
	case "private":
		// Seed 000: save the pprof mux, serve it on localhost only.
		pprofMux := http.DefaultServeMux
		go serve(*debugAddr, pprofMux)
		serve(*addr, app())
	case "prefix":
		if !strings.HasPrefix(*prefix, "/") || !strings.HasSuffix(*prefix, "/") {
			log.Fatalf("-prefix must start and end with /: %q", *prefix)
		}
		mux := app()
		mountPprof(mux, *prefix)
		serve(*addr, mux)
	default:
		fmt.Fprintf(os.Stderr, "pprof-server: unknown -mode %q\n", *mode)
		os.Exit(2)
	}
}
