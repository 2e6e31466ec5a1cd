package testenv

import (
	"context"
	"net"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisServer is a redis-server process the test owns, for real faults
// that must not touch the shared Redis of the other tests: losing every
// key (Flush), a restart that comes back empty (Restart), or a freeze
// that keeps the data (Pause, Resume). It keeps no data on disk.
type RedisServer struct {
	// Addr is host:port; it stays the same across restarts.
	Addr string
	t    testing.TB
	cmd  *exec.Cmd
	done chan struct{}
}

// StartRedisServer starts redis-server on a free port and stops it when
// the test ends. The binary comes with `make services`.
func StartRedisServer(t testing.TB) *RedisServer {
	t.Helper()
	r := &RedisServer{Addr: FreeAddr(t), t: t}
	r.start()
	t.Cleanup(r.stop)
	return r
}

func (r *RedisServer) start() {
	r.t.Helper()
	_, port, _ := net.SplitHostPort(r.Addr)
	r.cmd = exec.Command("redis-server", "--bind", "127.0.0.1", "--port", port,
		"--save", "", "--appendonly", "no")
	if err := r.cmd.Start(); err != nil {
		r.t.Fatalf("testenv: starting redis-server (make services installs it): %v", err)
	}
	r.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) {
		_ = cmd.Wait()
		close(done)
	}(r.cmd, r.done)
	rdb := r.client()
	defer rdb.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := rdb.Ping(ctx).Err()
		cancel()
		if err == nil {
			return
		}
		select {
		case <-r.done:
			r.t.Fatalf("testenv: redis-server on %s exited at start (port taken?)", r.Addr)
		default:
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("testenv: redis-server on %s does not answer: %v", r.Addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (r *RedisServer) client() *redis.Client {
	return redis.NewClient(&redis.Options{Addr: r.Addr, MaxRetries: -1})
}

// Flush drops every key, as FLUSHALL by an operator or a failover to an
// empty replica does.
func (r *RedisServer) Flush() {
	r.t.Helper()
	rdb := r.client()
	defer rdb.Close()
	if err := rdb.FlushAll(context.Background()).Err(); err != nil {
		r.t.Fatalf("testenv: FLUSHALL on %s: %v", r.Addr, err)
	}
}

// Stop shuts the server down without saving: its data is gone.
func (r *RedisServer) Stop() {
	r.t.Helper()
	rdb := r.client()
	defer rdb.Close()
	// SHUTDOWN answers with a closed connection, not a reply.
	_ = rdb.Do(context.Background(), "SHUTDOWN", "NOSAVE").Err()
	select {
	case <-r.done:
	case <-time.After(10 * time.Second):
		r.t.Fatalf("testenv: redis-server on %s did not stop", r.Addr)
	}
}

// Restart stops the server and starts an empty one on the same port.
func (r *RedisServer) Restart() {
	r.t.Helper()
	r.Stop()
	r.start()
}

// Pause freezes the server (SIGSTOP): connections stay open, nothing is
// answered, and the data is still there after Resume.
func (r *RedisServer) Pause() { r.signal(syscall.SIGSTOP) }

// Resume lets a paused server run again (SIGCONT).
func (r *RedisServer) Resume() { r.signal(syscall.SIGCONT) }

func (r *RedisServer) signal(sig os.Signal) {
	r.t.Helper()
	if err := r.cmd.Process.Signal(sig); err != nil {
		r.t.Fatalf("testenv: signalling redis-server on %s: %v", r.Addr, err)
	}
}

func (r *RedisServer) stop() {
	select {
	case <-r.done:
		return
	default:
	}
	_ = r.cmd.Process.Signal(syscall.SIGCONT) // a paused server dies too
	_ = r.cmd.Process.Kill()
	<-r.done
}
