// Command target is the local HTTP target of the whole-binary benchmarks: it listens
// on 127.0.0.1 (a free port unless -addr says otherwise), prints its base URL on the
// first line of stdout, and answers every request with 200 "ok" — except
// POST /v1/tests, which it answers as the k6 cloud creates a test run, so that
// it also serves as the cloud API of --out cloud benchmarks.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address (loopback only)")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("http://%s\n", ln.Addr())
	_ = os.Stdout.Sync()
	body := []byte("ok")
	created := []byte(`{"reference_id":"bench"}`)
	log.Fatal(http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/v1/tests" {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(created)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write(body)
	})))
}
