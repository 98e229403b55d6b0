// Command frontend is the demo's front service: an HTML page and a JSON
// API that calls the orders service and the catalog (a busybox httpd in a
// container) over HTTP.
//
//	GET  /             HTML
//	GET  /api/orders   {"orders": <orders GET /orders>, "catalog": <catalog>}
//	POST /api/orders   forwarded to orders POST /orders
//	GET  /healthz      ok
//
// It also imports net/http/pprof and serves the default mux on -debug-addr:
// the demo puts that on a non-loopback address, the exposure seed 000
// warns about, so sockrec's findings have something real to report.
// Standard library only.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	_ "net/http/pprof" // here be dragons (seed 000)
	"strings"
	"time"
)

var client = &http.Client{Timeout: 5 * time.Second}

func fetchJSON(url string) (interface{}, error) {
	resp, err := client.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var v interface{}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&v); err != nil {
		return nil, fmt.Errorf("%s: %v", url, err)
	}
	return v, nil
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("frontend: ")
	addrs := flag.String("addr", "127.0.0.1:8080", "comma-separated listen addresses")
	ordersURL := flag.String("orders", "http://127.0.0.1:8081", "orders service")
	catalogURL := flag.String("catalog", "", "catalog service (empty: none)")
	debugAddr := flag.String("debug-addr", "", "serve net/http/pprof here (empty: nowhere)")
	flag.String("session-secret", "", "key that signs session cookies")
	flag.Parse()

	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<!doctype html><title>shop</title><h1>shop</h1><p><a href=/api/orders>orders</a></p>\n")
	})
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("/api/orders", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.Method {
		case http.MethodGet:
			out := map[string]interface{}{}
			orders, err := fetchJSON(*ordersURL + "/orders")
			if err != nil {
				w.WriteHeader(502)
				json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
				return
			}
			out["orders"] = orders
			if *catalogURL != "" {
				if cat, err := fetchJSON(*catalogURL + "/api/catalog.json"); err == nil {
					out["catalog"] = cat
				}
			}
			json.NewEncoder(w).Encode(out)
		case http.MethodPost:
			resp, err := client.Post(*ordersURL+"/orders", "application/json", io.LimitReader(r.Body, 4096))
			if err != nil {
				w.WriteHeader(502)
				json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
				return
			}
			defer resp.Body.Close()
			w.WriteHeader(resp.StatusCode)
			io.Copy(w, io.LimitReader(resp.Body, 1<<20))
		default:
			w.WriteHeader(405)
			fmt.Fprintln(w, `{"error":"method not allowed"}`)
		}
	})

	if *debugAddr != "" {
		go func() {
			srv := &http.Server{Addr: *debugAddr, Handler: http.DefaultServeMux, ReadHeaderTimeout: 10 * time.Second}
			log.Fatal(srv.ListenAndServe())
		}()
	}
	list := strings.Split(*addrs, ",")
	for i, a := range list {
		srv := &http.Server{Addr: a, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		if i == len(list)-1 {
			log.Fatal(srv.ListenAndServe())
		}
		go func() { log.Fatal(srv.ListenAndServe()) }()
	}
}
