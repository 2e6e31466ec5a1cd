package testenv

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// clusterMasters is how many masters the test cluster has: the fewest
// Redis Cluster accepts, and enough that two shoppers' carts usually live
// on different nodes.
const clusterMasters = 3

// RedisCluster is a Redis Cluster of clusterMasters redis-server processes
// (no replicas, nothing on disk but each node's nodes.conf) that the test
// process owns.
type RedisCluster struct {
	// Addrs is the masters' host:port, comma-separated: what -redis-addr
	// takes for a cluster.
	Addrs string
	cmds  []*exec.Cmd
	dirs  []string
}

// The cluster is shared by every test of the process: starting one takes
// about a second, and tests keep apart by their key prefixes as they do on
// the single Redis. Main stops it.
var shared struct {
	once    sync.Once
	cluster *RedisCluster
	err     error
}

// ClusterMode reports whether STOREFRONT_TEST_REDIS_CLUSTER asks the tests
// to run on a Redis Cluster instead of the single Redis.
func ClusterMode() bool {
	v, _ := strconv.ParseBool(os.Getenv("STOREFRONT_TEST_REDIS_CLUSTER"))
	return v
}

// StartRedisCluster returns the process's Redis Cluster, starting it on
// first use. A package whose tests call it (or run in ClusterMode) runs
// them through Main, which stops the cluster at the end; should the test
// binary die first, the kernel kills the servers with it.
func StartRedisCluster(t testing.TB) *RedisCluster {
	t.Helper()
	shared.once.Do(func() { shared.cluster, shared.err = startCluster() })
	if shared.err != nil {
		t.Fatalf("testenv: starting a Redis Cluster (make services installs redis-server): %v", shared.err)
	}
	return shared.cluster
}

// Main runs the package's tests (call it from TestMain) and then stops the
// Redis Cluster they may have started.
func Main(m *testing.M) {
	code := m.Run()
	if shared.cluster != nil {
		shared.cluster.stop()
	}
	os.Exit(code)
}

// freePort returns a port nothing listens on now.
func freePort() (string, error) {
	addr, err := freeAddr()
	if err != nil {
		return "", err
	}
	_, port, err := net.SplitHostPort(addr)
	return port, err
}

func startCluster() (*RedisCluster, error) {
	c := &RedisCluster{}
	var addrs []string
	// A child started with Pdeathsig dies when the thread that started it
	// ends; this thread stays locked and parked for the process's life.
	started := make(chan error)
	go func() {
		runtime.LockOSThread()
		started <- c.startNodes(&addrs)
		select {}
	}()
	if err := <-started; err != nil {
		c.stop()
		return nil, err
	}
	c.Addrs = strings.Join(addrs, ",")
	if err := c.create(addrs); err != nil {
		c.stop()
		return nil, err
	}
	return c, nil
}

func (c *RedisCluster) startNodes(addrs *[]string) error {
	for range clusterMasters {
		port, err := freePort()
		if err != nil {
			return err
		}
		busPort, err := freePort()
		if err != nil {
			return err
		}
		dir, err := os.MkdirTemp("", "storefront-redis-cluster-")
		if err != nil {
			return err
		}
		c.dirs = append(c.dirs, dir)
		cmd := exec.Command("redis-server", "--bind", "127.0.0.1", "--port", port,
			"--cluster-enabled", "yes", "--cluster-port", busPort,
			"--cluster-config-file", dir+"/nodes.conf", "--dir", dir,
			"--save", "", "--appendonly", "no")
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		if err := cmd.Start(); err != nil {
			return err
		}
		c.cmds = append(c.cmds, cmd)
		*addrs = append(*addrs, "127.0.0.1:"+port)
	}
	return nil
}

// create joins the nodes into one cluster and waits until every node
// serves every slot.
func (c *RedisCluster) create(addrs []string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, a := range addrs {
		if err := waitFor(ctx, a, func(rdb *redis.Client) error { return rdb.Ping(ctx).Err() }); err != nil {
			return fmt.Errorf("redis-server on %s does not answer: %w", a, err)
		}
	}
	args := append([]string{"--cluster", "create"}, addrs...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	if out, err := exec.CommandContext(ctx, "redis-cli", args...).CombinedOutput(); err != nil {
		return fmt.Errorf("redis-cli --cluster create: %w\n%s", err, out)
	}
	for _, a := range addrs {
		err := waitFor(ctx, a, func(rdb *redis.Client) error {
			info, err := rdb.ClusterInfo(ctx).Result()
			if err != nil {
				return err
			}
			if !strings.Contains(info, "cluster_state:ok") || !strings.Contains(info, "cluster_known_nodes:"+strconv.Itoa(len(addrs))) {
				return fmt.Errorf("not ready: %s", info)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("cluster node %s: %w", a, err)
		}
	}
	return nil
}

// waitFor retries ready on addr until it passes or ctx ends.
func waitFor(ctx context.Context, addr string, ready func(*redis.Client) error) error {
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	defer rdb.Close()
	for {
		err := ready(rdb)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (c *RedisCluster) stop() {
	for _, cmd := range c.cmds {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}
	for _, d := range c.dirs {
		_ = os.RemoveAll(d)
	}
}

// NewRedisClient returns a client of addr as Redis returns it (one
// host:port, or a cluster's comma-separated masters), closed when the test
// ends.
func NewRedisClient(t testing.TB, addr string) redis.UniversalClient {
	t.Helper()
	rdb := redis.NewUniversalClient(&redis.UniversalOptions{Addrs: strings.Split(addr, ",")})
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// Keys lists the keys matching pattern on every master of rdb (KEYS
// alone asks one node of a cluster).
func Keys(ctx context.Context, rdb redis.UniversalClient, pattern string) ([]string, error) {
	var (
		mu   sync.Mutex
		keys []string
	)
	err := forEachMaster(ctx, rdb, func(ctx context.Context, node *redis.Client) error {
		k, err := node.Keys(ctx, pattern).Result()
		mu.Lock()
		keys = append(keys, k...)
		mu.Unlock()
		return err
	})
	return keys, err
}

// forEachMaster runs fn on every master of a cluster, or on the one
// server.
func forEachMaster(ctx context.Context, rdb redis.UniversalClient, fn func(context.Context, *redis.Client) error) error {
	switch c := rdb.(type) {
	case *redis.ClusterClient:
		return c.ForEachMaster(ctx, fn)
	case *redis.Client:
		return fn(ctx, c)
	}
	return fmt.Errorf("testenv: unexpected Redis client %T", rdb)
}
