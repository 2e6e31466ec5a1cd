package config

import "testing"

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaultsRunEmbedded(t *testing.T) {
	c, err := Load(nil, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if !c.Embedded() || !c.Seed || c.Addr != "127.0.0.1:8080" || c.MaxDepth != 12 || !c.Introspection {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestFlagsOverrideEnv(t *testing.T) {
	c, err := Load([]string{"-addr", ":9000"}, env(map[string]string{
		"STOREFRONT_ADDR":      ":7000",
		"STOREFRONT_MYSQL_DSN": "root@tcp(127.0.0.1:3306)/shop",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":9000" || c.Embedded() || c.Seed {
		t.Fatalf("got %+v", c)
	}
}

func TestRejectsBadValues(t *testing.T) {
	for _, args := range [][]string{
		{"-max-depth", "zero"},
		{"-max-depth", "0"},
		{"-migrate", "maybe"},
		{"-shutdown-timeout", "soon"},
		{"stray"},
	} {
		if _, err := Load(args, env(nil)); err == nil {
			t.Errorf("Load(%v) accepted", args)
		}
	}
}
