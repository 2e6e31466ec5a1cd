package config

import (
	"testing"
	"time"
)

func TestThePoolAndTheRequestDeadlineAreConfigurable(t *testing.T) {
	c, err := Load(nil, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.DBMaxOpen != 64 || c.DBMaxIdle != 0 || c.DBConnLifetime != 5*time.Minute || c.DBConnIdleTime != time.Minute || c.RequestTimeout != 10*time.Second {
		t.Fatalf("defaults: max-open %d, max-idle %d, lifetime %v, idle time %v, request timeout %v",
			c.DBMaxOpen, c.DBMaxIdle, c.DBConnLifetime, c.DBConnIdleTime, c.RequestTimeout)
	}
	c, err = Load([]string{"-db-max-open", "40", "-db-max-idle", "10", "-db-conn-lifetime", "3m", "-request-timeout", "4s"},
		env(map[string]string{"STOREFRONT_DB_CONN_IDLE_TIME": "30s"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.DBMaxOpen != 40 || c.DBMaxIdle != 10 || c.DBConnLifetime != 3*time.Minute || c.DBConnIdleTime != 30*time.Second || c.RequestTimeout != 4*time.Second {
		t.Fatalf("set: %+v", c)
	}
	for _, args := range [][]string{
		{"-db-max-open", "0"},
		{"-db-max-idle", "-1"},
		{"-db-conn-lifetime", "0"},
		{"-db-conn-idle-time", "0s"},
		{"-request-timeout", "0"},
		{"-request-timeout", "soon"},
	} {
		if _, err := Load(args, env(nil)); err == nil {
			t.Errorf("Load(%v) accepted", args)
		}
	}
}
