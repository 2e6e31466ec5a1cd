// Package fleet runs Storefront as it is deployed: instances of the real
// binary as processes, on one MariaDB database and one Redis, behind
// Debian's nginx configured by deploy/nginx. The fleet and chaos tests use
// it; it is never part of the server.
package fleet

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/storefront/storefront/internal/testenv"
)

// Binary builds ./cmd/storefront once per test binary and returns its path.
func Binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		root, err := moduleRoot()
		if err != nil {
			buildErr = err
			return
		}
		dir, err := os.MkdirTemp("", "storefront-fleet-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "storefront")
		cmd := exec.Command("go", "build", "-o", binPath, "./cmd/storefront")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ./cmd/storefront: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// moduleRoot is the directory of go.mod, found from the working directory.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("not inside the storefront module")
	}
	return filepath.Dir(mod), nil
}

// Instance is one storefront process.
type Instance struct {
	Name        string
	Addr        string // the API's listen address
	MetricsAddr string
	args        []string
	bin         string
	cmd         *exec.Cmd
	done        chan struct{}
	log         *testenv.SyncBuffer
}

// StartInstance runs the binary with flags (each "-name=value") on fresh
// addresses and waits until /readyz answers 200.
func StartInstance(t testing.TB, name string, flags ...string) *Instance {
	t.Helper()
	in := &Instance{Name: name, Addr: testenv.FreeAddr(t), MetricsAddr: testenv.FreeAddr(t), bin: Binary(t), log: &testenv.SyncBuffer{}}
	in.args = append([]string{"serve", "-addr=" + in.Addr, "-metrics-addr=" + in.MetricsAddr, "-log-format=json"}, flags...)
	in.Start(t)
	t.Cleanup(func() {
		in.Stop()
		if t.Failed() {
			t.Logf("%s's log:\n%s", in.Name, in.log.String())
		}
	})
	return in
}

// Start (re)starts the process with its flags and waits for readiness.
func (in *Instance) Start(t testing.TB) {
	t.Helper()
	in.cmd = exec.Command(in.bin, in.args...)
	in.cmd.Stdout, in.cmd.Stderr = in.log, in.log
	if err := in.cmd.Start(); err != nil {
		t.Fatalf("%s: %v", in.Name, err)
	}
	in.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) { _ = cmd.Wait(); close(done) }(in.cmd, in.done)
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		select {
		case <-in.done:
			t.Fatalf("%s exited at start:\n%s", in.Name, in.log.String())
		default:
		}
		if res, err := http.Get("http://" + in.Addr + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s not ready after 2 minutes:\n%s", in.Name, in.log.String())
}

// Stop sends SIGTERM and waits for the process to exit (kills it after
// 30 s).
func (in *Instance) Stop() {
	in.signal(syscall.SIGTERM, 30*time.Second)
}

// Kill ends the process with SIGKILL, as a crash would.
func (in *Instance) Kill() {
	in.signal(syscall.SIGKILL, 10*time.Second)
}

func (in *Instance) signal(sig syscall.Signal, wait time.Duration) {
	if in.cmd == nil || in.cmd.Process == nil {
		return
	}
	select {
	case <-in.done:
		return
	default:
	}
	_ = in.cmd.Process.Signal(sig)
	select {
	case <-in.done:
	case <-time.After(wait):
		_ = in.cmd.Process.Kill()
		<-in.done
	}
}

// Log returns what the process wrote so far (JSON lines).
func (in *Instance) Log() string { return in.log.String() }

// Nginx is Debian's nginx running deploy/nginx/storefront.conf in front of
// instances.
type Nginx struct {
	URL       string
	Addr      string
	dir       string
	cmd       *exec.Cmd
	done      chan struct{}
	accessLog string
	upstreams []string
}

// SetDown marks the upstream addr down (or up again) and reloads nginx, as
// a rolling deploy does before it stops an instance: nginx has no probe
// of its own, so readiness alone would not move it away. Old workers
// finish their requests; new ones never pick addr.
func (n *Nginx) SetDown(t testing.TB, addr string, down bool) {
	t.Helper()
	path := filepath.Join(n.dir, "storefront.conf")
	conf, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	line := regexp.MustCompile(`(?m)^    server ` + regexp.QuoteMeta(addr) + ` [^\n]*;$`)
	to := "    server " + addr + " max_fails=2 fail_timeout=2s;"
	if down {
		to = "    server " + addr + " down;"
	}
	if !line.Match(conf) {
		t.Fatalf("nginx has no upstream %s", addr)
	}
	if err := os.WriteFile(path, line.ReplaceAll(conf, []byte(to)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := n.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	// The master starts new workers on the new configuration within
	// milliseconds; requests already on old workers finish there.
	time.Sleep(500 * time.Millisecond)
}

// NginxBinary is where Debian installs nginx.
const NginxBinary = "/usr/sbin/nginx"

// StartNginx writes a main nginx.conf in a temporary directory that
// includes deploy/nginx/storefront.conf (and, with sandbox, its
// storefront-sandbox.conf), edited only where a test must differ: the
// listen address, the upstream servers, the file paths. It runs nginx in
// the foreground until the test ends.
func StartNginx(t testing.TB, addr string, sandbox bool, upstreams ...string) *Nginx {
	t.Helper()
	if _, err := os.Stat(NginxBinary); err != nil {
		t.Fatalf("nginx is not installed (%v): scripts/services.sh installs Debian's", err)
	}
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	n := &Nginx{URL: "http://" + addr, Addr: addr, dir: dir, accessLog: filepath.Join(dir, "access.log")}
	conf, err := os.ReadFile(filepath.Join(root, "deploy/nginx/storefront.conf"))
	if err != nil {
		t.Fatal(err)
	}
	n.upstreams = upstreams
	servers := ""
	for _, u := range upstreams {
		servers += "    server " + u + " max_fails=2 fail_timeout=2s;\n"
	}
	edits := []struct{ re, to string }{
		{`(?m)^    server 127\.0\.0\.1:808\d.*\n`, ""},
		{`(?m)^(    least_conn;\n)`, "${1}" + servers},
		{`(?m)^    listen 80;`, "    listen " + addr + ";"},
		{`/var/log/nginx/storefront\.access\.log`, n.accessLog},
		{`/etc/nginx/storefront-sandbox\.conf\*`, filepath.Join(dir, "storefront-sandbox.conf*")},
	}
	for _, e := range edits {
		re := regexp.MustCompile(e.re)
		if !re.Match(conf) && e.to != "" {
			t.Fatalf("deploy/nginx/storefront.conf no longer has %s", e.re)
		}
		conf = re.ReplaceAll(conf, []byte(e.to))
	}
	write := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("storefront.conf", conf)
	if sandbox {
		b, err := os.ReadFile(filepath.Join(root, "deploy/nginx/storefront-sandbox.conf"))
		if err != nil {
			t.Fatal(err)
		}
		write("storefront-sandbox.conf", b)
	}
	user := ""
	if os.Geteuid() == 0 {
		// Workers would run as nobody and could not write the test's
		// temporary directory.
		user = "user root;\n"
	}
	write("nginx.conf", []byte(user+`daemon off;
worker_processes 1;
pid `+dir+`/nginx.pid;
error_log `+dir+`/error.log warn;
events { worker_connections 1024; }
http {
    client_body_temp_path `+dir+`/client_body;
    proxy_temp_path `+dir+`/proxy;
    fastcgi_temp_path `+dir+`/fastcgi;
    uwsgi_temp_path `+dir+`/uwsgi;
    scgi_temp_path `+dir+`/scgi;
    include `+dir+`/storefront.conf;
}
`))
	n.cmd = exec.Command(NginxBinary, "-p", dir, "-c", filepath.Join(dir, "nginx.conf"))
	var out testenv.SyncBuffer
	n.cmd.Stdout, n.cmd.Stderr = &out, &out
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	n.done = make(chan struct{})
	go func() { _ = n.cmd.Wait(); close(n.done) }()
	t.Cleanup(func() {
		_ = n.cmd.Process.Signal(syscall.SIGQUIT)
		select {
		case <-n.done:
		case <-time.After(10 * time.Second):
			_ = n.cmd.Process.Kill()
			<-n.done
		}
		if t.Failed() {
			errLog, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Logf("nginx's error log:\n%s%s", errLog, out.String())
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-n.done:
			errLog, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Fatalf("nginx exited at start: %s%s", errLog, out.String())
		default:
		}
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return n
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("nginx does not listen after 10 s")
	return nil
}

// Upstream returns the upstream address nginx logged for the request
// whose X-Request-Id it answered with, waiting briefly for the line.
func (n *Nginx) Upstream(t testing.TB, requestID string) string {
	t.Helper()
	re := regexp.MustCompile(`\S+ (\S+) \S+ \S+ rid=` + regexp.QuoteMeta(requestID) + `$`)
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		b, _ := os.ReadFile(n.accessLog)
		for line := range strings.SplitSeq(string(b), "\n") {
			if m := re.FindStringSubmatch(line); m != nil {
				return m[1]
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("nginx logged no request %s", requestID)
	return ""
}

// AccessLog returns nginx's access log so far.
func (n *Nginx) AccessLog() string {
	b, _ := os.ReadFile(n.accessLog)
	return string(b)
}

// WaitFor polls cond until it holds or d passes.
func WaitFor(ctx context.Context, d time.Duration, cond func() bool) bool {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	for {
		if cond() {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(50 * time.Millisecond):
		}
	}
}
