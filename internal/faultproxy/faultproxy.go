// Package faultproxy is a TCP proxy that a test puts between a server under
// test and its MariaDB or Redis, to cut the line at a chosen moment and mend
// it later. The faults are real: the server's open connections are dropped
// and its new ones fail, while the database or Redis behind keeps running
// with its data, the way a network partition or a restarting peer looks
// from the server. Only tests import it.
package faultproxy

import (
	"bytes"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
)

// Proxy forwards connections to one target until it is cut.
type Proxy struct {
	ln     net.Listener
	target string

	mu    sync.Mutex
	cut   bool
	cutOn []byte
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

// Start listens on a free port of 127.0.0.1 and forwards every connection
// to target (host:port). It stops when the test ends.
func Start(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{ln: ln, target: target, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(func() {
		_ = ln.Close()
		p.Cut()
		p.wg.Wait()
	})
	return p
}

// Addr is the proxy's host:port, to hand to the server instead of the
// target's.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Cut drops every open connection and makes new ones fail (they are
// accepted and closed at once) until Mend.
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = true
	p.cutOn = nil
	for c := range p.conns {
		_ = c.Close()
	}
	clear(p.conns)
}

// CutOn cuts the line the moment a client sends bytes containing pattern
// (a statement's text, say); those bytes never reach the target, so what
// they asked for is not done, and the client cannot know it.
func (p *Proxy) CutOn(pattern string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cutOn = []byte(pattern)
}

// Mend lets connections through again.
func (p *Proxy) Mend() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = false
	p.cutOn = nil
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.serve(client)
		}()
	}
}

// track registers open connections so Cut can drop them; it refuses them
// while the line is cut.
func (p *Proxy) track(cs ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cut {
		return false
	}
	for _, c := range cs {
		p.conns[c] = struct{}{}
	}
	return true
}

func (p *Proxy) untrack(cs ...net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range cs {
		delete(p.conns, c)
		_ = c.Close()
	}
}

func (p *Proxy) serve(client net.Conn) {
	if !p.track(client) {
		_ = client.Close()
		return
	}
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		p.untrack(client)
		return
	}
	if !p.track(server) {
		p.untrack(client, server)
		return
	}
	defer p.untrack(client, server)
	done := make(chan struct{}, 2)
	go func() {
		_, _ = io.Copy(client, server)
		done <- struct{}{}
	}()
	go func() {
		_ = p.forward(server, client)
		done <- struct{}{}
	}()
	<-done
}

// errCut ends a forward that met the CutOn pattern.
var errCut = errors.New("faultproxy: cut")

// forward copies what the client sends, watching for the CutOn pattern
// (also across two reads).
func (p *Proxy) forward(server, client net.Conn) error {
	buf := make([]byte, 64<<10)
	var tail []byte
	for {
		n, err := client.Read(buf)
		if n > 0 {
			p.mu.Lock()
			pattern := p.cutOn
			p.mu.Unlock()
			if len(pattern) > 0 {
				seen := append(tail, buf[:n]...)
				if bytes.Contains(seen, pattern) {
					p.Cut()
					return errCut
				}
				tail = append(tail[:0], seen[max(0, len(seen)-len(pattern)+1):]...)
			}
			if _, werr := server.Write(buf[:n]); werr != nil {
				return werr
			}
		}
		if err != nil {
			return err
		}
	}
}
