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

// What is safe for a demo on one machine (introspection, the Alipay
// sandbox that marks any order paid) is off by default on MySQL, and can
// still be asked for by name.
func TestMySQLDeploymentsDefaultToClosed(t *testing.T) {
	mysql := map[string]string{"STOREFRONT_MYSQL_DSN": "root@tcp(127.0.0.1:3306)/shop"}
	c, err := Load(nil, env(mysql))
	if err != nil {
		t.Fatal(err)
	}
	if c.Introspection || c.AlipaySandbox {
		t.Fatalf("MySQL defaults: introspection %v, sandbox %v; want both off", c.Introspection, c.AlipaySandbox)
	}
	c, err = Load([]string{"-introspection=true", "-alipay-sandbox=true"}, env(mysql))
	if err != nil || !c.Introspection || !c.AlipaySandbox {
		t.Fatalf("asked for by name: %+v, %v", c, err)
	}
	c, err = Load(nil, env(nil))
	if err != nil || !c.Introspection || !c.AlipaySandbox {
		t.Fatalf("embedded defaults: introspection %v, sandbox %v; want both on (%v)", c.Introspection, c.AlipaySandbox, err)
	}
	c, err = Load([]string{"-alipay-app-id", "2021", "-alipay-private-key", "k", "-alipay-public-key", "p"}, env(nil))
	if err != nil || c.AlipaySandbox {
		t.Fatalf("embedded with real Alipay: sandbox %v (%v), want off", c.AlipaySandbox, err)
	}
	if _, err := Load([]string{"-alipay-sandbox=true", "-alipay-app-id", "2021", "-alipay-private-key", "k", "-alipay-public-key", "p"}, env(nil)); err == nil {
		t.Fatal("sandbox and real Alipay together accepted")
	}
}
