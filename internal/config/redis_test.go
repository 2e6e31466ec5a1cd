package config

import (
	"slices"
	"testing"
)

// -redis-addr names a single Redis, a cluster's masters, or a URL of
// either; what would connect somewhere else than meant is refused at load.
func TestRedisAddrNamesASingleRedisOrACluster(t *testing.T) {
	for _, tc := range []struct {
		args     []string
		addrs    []string
		cluster  bool
		password string
		db       int
	}{
		{args: nil},
		{args: []string{"-redis-addr", "10.0.0.5:6379", "-redis-password", "pw", "-redis-db", "2"}, addrs: []string{"10.0.0.5:6379"}, password: "pw", db: 2},
		{args: []string{"-redis-addr", "10.0.0.5:7000, 10.0.0.6:7000,10.0.0.7:7000", "-redis-password", "pw"},
			addrs: []string{"10.0.0.5:7000", "10.0.0.6:7000", "10.0.0.7:7000"}, cluster: true, password: "pw"},
		{args: []string{"-redis-addr", "redis://:pw@10.0.0.5:6379/3"}, addrs: []string{"10.0.0.5:6379"}, password: "pw", db: 3},
		{args: []string{"-redis-addr", "redis://:pw@10.0.0.5:7000?addr=10.0.0.6:7000&addr=10.0.0.7:7000"},
			addrs: []string{"10.0.0.5:7000", "10.0.0.6:7000", "10.0.0.7:7000"}, cluster: true, password: "pw"},
	} {
		c, err := Load(tc.args, env(nil))
		if err != nil {
			t.Errorf("Load(%q): %v", tc.args, err)
			continue
		}
		o, err := c.RedisOptions()
		if err != nil {
			t.Errorf("%q: RedisOptions: %v", tc.args, err)
			continue
		}
		if tc.addrs == nil {
			if o != nil {
				t.Errorf("%q: %+v, want the in-process Redis (nil)", tc.args, o)
			}
			continue
		}
		if !slices.Equal(o.Addrs, tc.addrs) || o.IsClusterMode != tc.cluster || o.Password != tc.password || o.DB != tc.db {
			t.Errorf("%q: addrs %q cluster %v password %q db %d; want %q %v %q %d",
				tc.args, o.Addrs, o.IsClusterMode, o.Password, o.DB, tc.addrs, tc.cluster, tc.password, tc.db)
		}
	}
	for _, args := range [][]string{
		{"-redis-addr", "10.0.0.5"},
		{"-redis-addr", "10.0.0.5:7000,10.0.0.6:7000", "-redis-db", "1"},
		{"-redis-addr", "redis://10.0.0.5:6379", "-redis-password", "pw"},
		{"-redis-addr", "redis://10.0.0.5:6379/1", "-redis-db", "2"},
		{"-redis-addr", "memcached://10.0.0.5:11211"},
	} {
		if _, err := Load(args, env(nil)); err == nil {
			t.Errorf("Load(%q) accepted", args)
		}
	}
}
