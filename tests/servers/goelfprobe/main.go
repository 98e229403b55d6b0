// goelfprobe: a small crypto/tls client, built by tests/e2e/goelf_objdump.sh
// (normal, stripped, PIE) so that capture/goelf.c can be checked against
// objdump on crypto/tls.(*Conn).Read and .Write. It is never run by the
// tests; run by hand it writes one line to a TLS server and prints the reply.
package main

import (
	"crypto/tls"
	"fmt"
	"os"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: goelfprobe HOST:PORT")
		os.Exit(2)
	}
	c, err := tls.Dial("tcp", os.Args[1], &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer c.Close()
	if _, err := c.Write([]byte("hello\n")); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	buf := make([]byte, 4096)
	n, err := c.Read(buf)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Stdout.Write(buf[:n])
}
