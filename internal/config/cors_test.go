package config

import (
	"slices"
	"testing"
)

// The embedded demo lets a frontend on the developer's machine, and pages
// of its own origin, call it; a MySQL deployment lets no other origin in
// until the operator names it.
func TestCORSOriginsDefaultToTheEmbeddedDemosOwn(t *testing.T) {
	c, err := Load([]string{"-public-url", "https://demo.example:8443/shop/"}, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"https://demo.example:8443", "http://localhost:*", "http://127.0.0.1:*"}; !slices.Equal(c.CORSOrigins, want) {
		t.Errorf("embedded default %q, want %q", c.CORSOrigins, want)
	}
	c, err = Load(nil, env(map[string]string{"STOREFRONT_MYSQL_DSN": "root@tcp(127.0.0.1:3306)/shop"}))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.CORSOrigins) != 0 {
		t.Errorf("MySQL default %q, want none", c.CORSOrigins)
	}
	c, err = Load([]string{"-cors-origins", " https://shop.example, https://*.shop.example ,"}, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"https://shop.example", "https://*.shop.example"}; !slices.Equal(c.CORSOrigins, want) {
		t.Errorf("listed %q, want %q", c.CORSOrigins, want)
	}
	if c, err = Load([]string{"-cors-origins", ""}, env(nil)); err != nil || len(c.CORSOrigins) != 0 {
		t.Errorf("an empty list on the embedded mode: %q %v, want none", c.CORSOrigins, err)
	}
}

// An origin that can never match what a browser sends (a path, a trailing
// slash, no scheme) is refused at start rather than silently allowing
// nothing.
func TestCORSOriginsThatCannotMatchAreRefused(t *testing.T) {
	for _, o := range []string{"https://shop.example/", "https://shop.example/app", "shop.example", "ftp://shop.example", "https://*.*.example", "https://"} {
		if _, err := Load([]string{"-cors-origins", o}, env(nil)); err == nil {
			t.Errorf("-cors-origins %q accepted", o)
		}
	}
	if _, err := Load([]string{"-cors-origins", "*"}, env(nil)); err != nil {
		t.Errorf("-cors-origins '*': %v", err)
	}
}
