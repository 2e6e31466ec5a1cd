package testenv

import (
	"context"
	"net"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisServer is a redis-server the test started for itself, so it may
// pause or stop it without touching the Redis other tests share.
type RedisServer struct {
	Addr string
	cmd  *exec.Cmd
}

// OwnRedis starts redis-server (from PATH) on a free local port, without
// persistence, and stops it when the test ends (resumed first if paused).
func OwnRedis(t testing.TB) *RedisServer {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatalf("testenv: redis-server is not installed (make services installs it): %v", err)
	}
	// A port the kernel just handed out and took back; redis-server binds
	// it a moment later.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", t.TempDir())
	if err := cmd.Start(); err != nil {
		t.Fatalf("testenv: starting redis-server: %v", err)
	}
	s := &RedisServer{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), cmd: cmd}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGCONT)
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	rdb := redis.NewClient(&redis.Options{Addr: s.Addr, MaxRetries: -1})
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for rdb.Ping(ctx).Err() != nil {
		select {
		case <-ctx.Done():
			t.Fatalf("testenv: the redis-server on %s does not answer", s.Addr)
		case <-time.After(20 * time.Millisecond):
		}
	}
	return s
}

// Pause freezes the server (SIGSTOP): connections stay open, nothing is
// answered.
func (s *RedisServer) Pause(t testing.TB) { s.signal(t, syscall.SIGSTOP) }

// Resume lets a paused server run again (SIGCONT).
func (s *RedisServer) Resume(t testing.TB) { s.signal(t, syscall.SIGCONT) }

func (s *RedisServer) signal(t testing.TB, sig os.Signal) {
	t.Helper()
	if err := s.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("testenv: signalling redis-server: %v", err)
	}
}
