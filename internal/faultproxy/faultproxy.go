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
	// answered: the client bytes that matched cutOn go through, and the
	// line is cut when the answer comes back, which the client never gets.
	answered bool
	conns    map[net.Conn]struct{}
	wg       sync.WaitGroup
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
	p.cutOn, p.answered = nil, false
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
	p.cutOn, p.answered = []byte(pattern), false
}

// LoseAnswerTo lets the client bytes containing pattern through and cuts
// the line as the target answers them: what they asked for is done, and
// the client cannot know it.
func (p *Proxy) LoseAnswerTo(pattern string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cutOn, p.answered = []byte(pattern), true
}

// Mend lets connections through again.
func (p *Proxy) Mend() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = false
	p.cutOn, p.answered = nil, false
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
	// matched is closed when the client sent what LoseAnswerTo waits for.
	matched := make(chan struct{})
	go func() {
		_ = p.back(client, server, matched)
		done <- struct{}{}
	}()
	go func() {
		_ = p.forward(server, client, matched)
		done <- struct{}{}
	}()
	<-done
}

// errCut ends a copy that met the pattern.
var errCut = errors.New("faultproxy: cut")

// forward copies what the client sends, watching for the pattern (also
// across two reads).
func (p *Proxy) forward(server, client net.Conn, matched chan struct{}) error {
	buf := make([]byte, 64<<10)
	var tail []byte
	for {
		n, err := client.Read(buf)
		if n > 0 {
			p.mu.Lock()
			pattern, answered := p.cutOn, p.answered
			p.mu.Unlock()
			if len(pattern) > 0 {
				seen := append(append([]byte(nil), tail...), buf[:n]...)
				if bytes.Contains(seen, pattern) {
					if !answered {
						p.Cut()
						return errCut
					}
					p.mu.Lock()
					p.cutOn = nil // one answer is lost, then the line is cut
					p.mu.Unlock()
					close(matched)
				}
				tail = seen[max(0, len(seen)-len(pattern)+1):]
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

// back copies what the target answers, until the answer that LoseAnswerTo
// waits for: that one is dropped and the line cut.
func (p *Proxy) back(client, server net.Conn, matched chan struct{}) error {
	buf := make([]byte, 64<<10)
	for {
		n, err := server.Read(buf)
		if n > 0 {
			select {
			case <-matched:
				p.Cut()
				return errCut
			default:
			}
			if _, werr := client.Write(buf[:n]); werr != nil {
				return werr
			}
		}
		if err != nil {
			return err
		}
	}
}
