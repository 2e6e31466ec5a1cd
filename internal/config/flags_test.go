package config

import (
	"errors"
	"flag"
	"strings"
	"testing"
)

// The flags Load parses are Vars: the same names, each reading its own
// environment variable, with Vars' default when the environment is empty.
func TestTheFlagSetIsVars(t *testing.T) {
	fs, _ := flagSet(env(nil))
	n := 0
	fs.VisitAll(func(f *flag.Flag) {
		n++
		v, ok := varByFlag(f.Name)
		switch {
		case !ok:
			t.Errorf("-%s is a flag but not in Vars", f.Name)
		case f.DefValue != v.Default:
			t.Errorf("-%s: default %q, Vars say %q", f.Name, f.DefValue, v.Default)
		case !strings.HasSuffix(f.Usage, "($"+v.Env+")"):
			t.Errorf("-%s: usage %q does not name $%s", f.Name, f.Usage, v.Env)
		}
	})
	if n != len(Vars) {
		t.Errorf("%d flags for %d Vars", n, len(Vars))
	}
	for _, v := range Vars {
		fs, _ := flagSet(env(map[string]string{v.Env: "from-env"}))
		if got := fs.Lookup(v.Flag).DefValue; got != "from-env" {
			t.Errorf("$%s set: -%s defaults to %q, want the environment's value", v.Env, v.Flag, got)
		}
	}
}

func varByFlag(name string) (Var, bool) {
	for _, v := range Vars {
		if v.Flag == name {
			return v, true
		}
	}
	return Var{}, false
}

// storefront -h names every command, apikey too, before the flags.
func TestHelpNamesTheCommands(t *testing.T) {
	fs, _ := flagSet(env(nil))
	var out strings.Builder
	fs.SetOutput(&out)
	if err := fs.Parse([]string{"-h"}); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("-h: %v, want flag.ErrHelp", err)
	}
	for _, want := range []string{"serve", "migrate", "seed", "apikey create", "revoke", "list", "-addr", "$STOREFRONT_ADDR"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("-h does not mention %q:\n%s", want, out.String())
		}
	}
}
