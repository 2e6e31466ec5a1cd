package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/redis/go-redis/v9"
)

// RedisOptions is where -redis-addr points, for redis.NewUniversalClient
// (the caller adds its timeouts); nil for the in-process Redis. The
// address is one host:port (a single Redis), several comma-separated (the
// masters of a Redis Cluster, which finds the rest itself), or a redis://
// or rediss:// URL, whose addr= parameters name a cluster's further
// masters (redis://host1:6379?addr=host2:6379&addr=host3:6379). A URL
// carries its own password and database: -redis-password and -redis-db
// then stay unset.
func (c Config) RedisOptions() (*redis.UniversalOptions, error) {
	addr := strings.TrimSpace(c.RedisAddr)
	if addr == "" {
		return nil, nil
	}
	if strings.Contains(addr, "://") {
		return c.redisURL(addr)
	}
	var addrs []string
	for a := range strings.SplitSeq(addr, ",") {
		a = strings.TrimSpace(a)
		if _, _, err := net.SplitHostPort(a); err != nil {
			return nil, fmt.Errorf("-redis-addr: %q is not host:port", a)
		}
		addrs = append(addrs, a)
	}
	o := &redis.UniversalOptions{Addrs: addrs, Password: c.RedisPass, DB: c.RedisDB}
	if len(addrs) > 1 {
		o.IsClusterMode = true
	}
	return o, checkClusterDB(o)
}

func (c Config) redisURL(raw string) (*redis.UniversalOptions, error) {
	if c.RedisPass != "" || c.RedisDB != 0 {
		return nil, errors.New("-redis-addr is a URL: give the password and database in it, not in -redis-password and -redis-db")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("-redis-addr: %w", err)
	}
	if u.Query().Has("addr") {
		co, err := redis.ParseClusterURL(raw)
		if err != nil {
			return nil, fmt.Errorf("-redis-addr: %w", err)
		}
		return &redis.UniversalOptions{
			Addrs: co.Addrs, Username: co.Username, Password: co.Password,
			TLSConfig: co.TLSConfig, IsClusterMode: true,
		}, nil
	}
	so, err := redis.ParseURL(raw)
	if err != nil {
		return nil, fmt.Errorf("-redis-addr: %w", err)
	}
	return &redis.UniversalOptions{
		Addrs: []string{so.Addr}, Username: so.Username, Password: so.Password,
		DB: so.DB, TLSConfig: so.TLSConfig,
	}, nil
}

// checkClusterDB refuses a database number a cluster does not have.
func checkClusterDB(o *redis.UniversalOptions) error {
	if o.IsClusterMode && o.DB != 0 {
		return errors.New("-redis-db: a Redis Cluster has database 0 only")
	}
	return nil
}
