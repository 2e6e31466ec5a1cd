// Package faultproxy is a TCP proxy that a test puts between a server under
// test and its MariaDB or Redis, to cut the line at a chosen moment and mend
// it later, or to freeze it and thaw it. The faults are real: the server's
// open connections are dropped and its new ones fail (Cut), or no byte
// moves while connections stay open (Freeze), while the database or Redis
// behind keeps running with its data, the way a network partition, a
// restarting peer or a stalled server looks from the server. Only tests
// import it.
package faultproxy

import (
	"bytes"
	"errors"
	"net"
	"sync"
	"testing"

	"github.com/go-sql-driver/mysql"
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
	// thawed is closed while bytes flow; done when the test ends.
	thawed chan struct{}
	done   chan struct{}
	wg     sync.WaitGroup
}

// Start listens on a free port of 127.0.0.1 and forwards every connection
// to target (host:port). It stops when the test ends.
func Start(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{ln: ln, target: target, conns: map[net.Conn]struct{}{},
		thawed: make(chan struct{}), done: make(chan struct{})}
	close(p.thawed)
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(func() {
		_ = ln.Close()
		close(p.done) // nothing stays held by a freeze
		p.Cut()
		p.wg.Wait()
	})
	return p
}

// MySQLDSN returns dsn with its address replaced by the proxy's.
func (p *Proxy) MySQLDSN(t testing.TB, dsn string) string {
	t.Helper()
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Net, cfg.Addr = "tcp", p.Addr()
	return cfg.FormatDSN()
}

// Freeze stops forwarding in both directions, as a server that froze
// (SIGSTOP, a stalled disk, a dead network path) looks to its clients:
// connections stay open and new ones are accepted, but no byte moves until
// Thaw.
func (p *Proxy) Freeze() {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.thawed:
		p.thawed = make(chan struct{})
	default:
	}
}

// Thaw forwards again, the bytes held during the freeze first.
func (p *Proxy) Thaw() {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.thawed:
	default:
		close(p.thawed)
	}
}

// hold waits while the proxy is frozen.
func (p *Proxy) hold() {
	p.mu.Lock()
	thawed := p.thawed
	p.mu.Unlock()
	select {
	case <-thawed:
	case <-p.done:
	}
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
			p.hold()
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
			p.hold()
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
