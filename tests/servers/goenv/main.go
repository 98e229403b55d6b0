// goenv is a TCP echo server in Go for sockrec's live-environment tests
// (tests/e2e/capture_liveenv_rewrite.sh): Go programs never rewrite their
// environment block, so sockrec keeps /proc/PID/environ for them.
//
//	goenv PORT [NAME=VALUE...]
//
// Each NAME=VALUE is os.Setenv()ed first. Built with cgo (the test does),
// that reaches libc's environ too, which sockrec must not read. It answers
// each read with "echo:" and the bytes, and prints "ready" once listening.
package main

import (
	"fmt"
	"net"
	"os"
	"strings"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: goenv PORT [NAME=VALUE...]")
		os.Exit(2)
	}
	for _, kv := range os.Args[2:] {
		if k, v, ok := strings.Cut(kv, "="); ok {
			os.Setenv(k, v)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:"+os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("ready")
	for {
		c, err := l.Accept()
		if err != nil {
			continue
		}
		go func(c net.Conn) {
			defer c.Close()
			buf := make([]byte, 4096)
			for {
				n, err := c.Read(buf)
				if n > 0 {
					if _, err := c.Write(append([]byte("echo:"), buf[:n]...)); err != nil {
						return
					}
				}
				if err != nil {
					return
				}
			}
		}(c)
	}
}
